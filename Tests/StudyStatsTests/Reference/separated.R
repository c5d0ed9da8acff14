# R references for Cox models on separated data (monotone likelihood): every subject with x = 1
# fails before any subject with x = 0, so the coefficient of x runs to infinity and coxph stops
# when the log-likelihood converges, with se ~ 2e4, p ~ 1 and the warning "Loglik converged
# before variable 1; coefficient may be infinite". Writes separated.r-survival.json beside this file:
#   Rscript Tests/StudyStatsTests/Reference/separated.R
# (R 4.2.2, survival 3.5-3 from Debian: apt-get install r-base-core r-cran-survival)
suppressMessages(library(survival))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "separated.csv"))

num <- function(x) {
  s <- ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
  paste0("[", paste(s, collapse = ","), "]")
}
one <- function(x) if (is.na(x) || !is.finite(x)) "null" else sprintf("%.17g", x)
str <- function(x) paste0("[", paste0("\"", gsub("\"", "'", x), "\"", collapse = ","), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste0("\"", names(kv), "\":", unlist(kv), collapse = ","), "}")
}

cox <- function(formula, ties) {
  warnings <- character(0)
  fit <- withCallingHandlers(coxph(formula, data = d, ties = ties), warning = function(w) {
    warnings <<- c(warnings, trimws(conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
  s <- summary(fit)
  co <- s$coefficients
  obj(call = paste0("\"coxph(", deparse(formula), ", ties = '", ties, "')\""), ties = paste0("\"", ties, "\""),
      n = fit$n, nevent = fit$nevent, iter = fit$iter, term = str(rownames(co)), coef = num(co[, "coef"]),
      se = num(co[, "se(coef)"]), z = num(co[, "z"]), p = num(co[, "Pr(>|z|)"]),
      hr_lower = num(s$conf.int[, "lower .95"]), hr_upper = num(s$conf.int[, "upper .95"]),
      loglik_null = one(fit$loglik[1]), loglik_fit = one(fit$loglik[2]),
      likelihood_ratio = one(2 * diff(fit$loglik)), wald = one(fit$wald.test), score = one(fit$score),
      warnings = str(warnings))
}

models <- c(
  cox(Surv(time, status) ~ x, "efron"),
  cox(Surv(time, status) ~ x, "breslow"),
  cox(Surv(time, status) ~ x + age, "efron"))
json <- paste0("{\"generated_by\":\"", R.version.string, ", survival ", packageVersion("survival"),
               " (separated.R)\",\"data_file\":\"separated.csv\",\"models\":[", paste(models, collapse = ","), "]}\n")
writeLines(json, file.path(here, "separated.r-survival.json"), sep = "")
