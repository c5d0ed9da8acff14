# R anchors for the survival benchmark: times survfit, survdiff and coxph (Efron, all covariates)
# on a cohort from gen.py and writes their CPU and wall seconds and the Cox coefficients as JSON.
# usage: Rscript anchors.R COHORT.csv REPEATS OUT.json
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("numeric", "numeric", "numeric", "numeric", "numeric", "numeric", "character"))
d$stage <- factor(d$stage, levels = c("I", "II", "III", "IV"))
repeats <- as.integer(args[2])
timed <- function(f) {
  cpu <- numeric(0); wall <- numeric(0)
  for (i in seq_len(repeats)) {
    gc()
    t <- system.time(value <- f())
    cpu <- c(cpu, t[["user.self"]] + t[["sys.self"]]); wall <- c(wall, t[["elapsed"]])
  }
  list(cpu = cpu, wall = wall, value = value)
}
km <- timed(function() survfit(Surv(time, status) ~ stage, data = d))
lr <- timed(function() survdiff(Surv(time, status) ~ stage, data = d))
cx <- timed(function() coxph(Surv(time, status) ~ sex + treated + age + marker + stage, data = d, ties = "efron"))
num <- function(x) paste0("[", paste(sprintf("%.17g", x), collapse = ","), "]")
coef <- coef(cx$value)
names(coef) <- sub("^stage", "stage=", names(coef))
json <- paste0(
  "{\"rows\":", nrow(d),
  ",\"km\":{\"cpu\":", num(km$cpu), ",\"wall\":", num(km$wall), "}",
  ",\"logrank\":{\"cpu\":", num(lr$cpu), ",\"wall\":", num(lr$wall), ",\"chisq\":", sprintf("%.17g", lr$value$chisq), "}",
  ",\"cox\":{\"cpu\":", num(cx$cpu), ",\"wall\":", num(cx$wall),
  ",\"iterations\":", cx$value$iter, ",\"loglik\":", num(cx$value$loglik),
  ",\"coef\":{", paste(sprintf("\"%s\":%.17g", names(coef), coef), collapse = ","), "}}}\n")
cat(json, file = args[3])
