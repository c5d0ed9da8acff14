# R anchors for the survival-breadth benchmark (bench/sections/12-survival-breadth.sh): times, on
# the same files StudyFlow reads, what each StudyFlow measurement does, and writes CPU and wall
# seconds (and the numbers to compare) as JSON.
# usage: Rscript breadth.R TASK COHORT.csv REPEATS OUT.json
#   ingest     read.csv with declared column classes + write.csv (what ingest/csv does)
#   readcox    read.csv + coxph(Surv(time, status) ~ sex + treated + age + marker + stage, ties = "efron")
#   cluster    coxph of the same model with cluster = id (robust variance), on the table in memory
#   competing  survfit(Surv(time, factor(event)) ~ group) (Aalen-Johansen) and cmprsk::cuminc
#              (with Gray's test), on the table in memory
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
task <- args[1]; path <- args[2]; repeats <- as.integer(args[3]); out <- args[4]
cohort_classes <- c("numeric", "numeric", "numeric", "numeric", "numeric", "numeric", "character")
timed <- function(f) {
  cpu <- numeric(0); wall <- numeric(0)
  for (i in seq_len(repeats)) {
    gc()
    t <- system.time(value <- f())
    cpu <- c(cpu, t[["user.self"]] + t[["sys.self"]]); wall <- c(wall, t[["elapsed"]])
  }
  list(cpu = cpu, wall = wall, value = value)
}
num <- function(x) paste0("[", paste(sprintf("%.17g", x), collapse = ","), "]")
named <- function(x) paste0("{", paste(sprintf("\"%s\":%.17g", names(x), x), collapse = ","), "}")
times <- function(t) paste0("\"cpu\":", num(t$cpu), ",\"wall\":", num(t$wall))
read_cohort <- function(classes) {
  d <- read.csv(path, colClasses = classes)
  d$stage <- factor(d$stage, levels = c("I", "II", "III", "IV"))
  d
}
cox_terms <- function(fit) {
  coef <- coef(fit)
  names(coef) <- sub("^stage", "stage=", names(coef))
  se <- sqrt(diag(fit$var)); names(se) <- names(coef)
  list(coef = coef, se = se)
}
json <- switch(task,
  ingest = {
    target <- tempfile(fileext = ".csv")
    t <- timed(function() {
      d <- read.csv(path, colClasses = cohort_classes)
      write.csv(d, target, row.names = FALSE)
      nrow(d)
    })
    unlink(target)
    paste0("{\"rows\":", t$value, ",", times(t), "}")
  },
  readcox = {
    t <- timed(function() {
      d <- read_cohort(cohort_classes)
      coxph(Surv(time, status) ~ sex + treated + age + marker + stage, data = d, ties = "efron")
    })
    paste0("{", times(t), ",\"coef\":", named(cox_terms(t$value)$coef), "}")
  },
  cluster = {
    d <- read_cohort(c(cohort_classes, "character"))
    t <- timed(function() {
      coxph(Surv(time, status) ~ sex + treated + age + marker + stage, data = d, ties = "efron", cluster = id)
    })
    terms <- cox_terms(t$value)
    paste0("{\"rows\":", nrow(d), ",\"clusters\":", length(unique(d$id)), ",", times(t),
           ",\"coef\":", named(terms$coef), ",\"robust_se\":", named(terms$se), "}")
  },
  competing = {
    suppressMessages(library(cmprsk))
    d <- read.csv(path, colClasses = c("numeric", "numeric", "character"))
    aj <- timed(function() survfit(Surv(time, factor(event)) ~ group, data = d))
    gray <- timed(function() cuminc(d$time, d$event, d$group))
    fit <- aj$value
    # The estimate at each curve's last time, per group and event type (columns of pstate after (s0)).
    strata <- rep(sub("^group=", "", names(fit$strata)), fit$strata)
    last <- cumsum(fit$strata)
    finals <- character(0)
    for (k in seq_along(last)) {
      for (e in 2:ncol(fit$pstate)) {
        finals <- c(finals, sprintf("{\"group\":\"%s\",\"event\":\"%s\",\"time\":%.17g,\"estimate\":%.17g}",
                                    strata[last[k]], fit$states[e], fit$time[last[k]], fit$pstate[last[k], e]))
      }
    }
    tests <- gray$value$Tests
    paste0("{\"rows\":", nrow(d), ",\"aj\":{", times(aj), "},\"gray\":{", times(gray), "}",
           ",\"final\":[", paste(finals, collapse = ","), "]",
           ",\"tests\":", named(setNames(tests[, "stat"], paste0("event ", rownames(tests)))), "}")
  },
  stop("unknown task '", task, "'; use ingest, readcox, cluster or competing"))
cat(json, "\n", file = out, sep = "")
