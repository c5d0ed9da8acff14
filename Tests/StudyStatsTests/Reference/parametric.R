# R references for survival/parametric: accelerated failure time models fitted by survreg on lung,
# ovarian and rossi (each distribution on lung), as the parametric stage is asked for them.
# Writes parametric.r-survival.json beside this file. R is needed only to regenerate that file:
#   Rscript Tests/StudyStatsTests/Reference/parametric.R
# (R 4.2.2, survival 3.5-3 from Debian: apt-get install r-base-core r-cran-survival)
#
# The Weibull (and exponential) hazard-ratio form of a coefficient b is hr = exp(-b / scale), its
# standard error by the delta method on (b, log scale) with survreg's variance matrix:
#   se(log hr)^2 = g' V g,  g = (-1/scale, b/scale)  (d/db and d/dlog(scale) of -b/scale),
# and the interval exp(-b/scale -/+ z(0.975) se), as SurvRegCensCov::ConvertWeibull gives it.
suppressMessages(library(survival))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
lung <- read.csv(file.path(here, "lung.csv"))
ovarian <- read.csv(file.path(here, "ovarian.csv"))
rossi <- read.csv(file.path(here, "rossi.csv"))

num <- function(x) {
  if (length(x) == 0) return("[]")
  s <- ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
  paste0("[", paste(s, collapse = ","), "]")
}
one <- function(x) if (is.na(x) || !is.finite(x)) "null" else sprintf("%.17g", x)
str <- function(x) paste0("[", paste0("\"", x, "\"", collapse = ","), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste0("\"", names(kv), "\":", unlist(kv), collapse = ","), "}")
}

# R's factor(x)L term names as the stages spell them: x=L.
rename <- function(names) sub("^factor\\(([^)]*)\\)(.*)$", "\\1=\\2", names)

hazard_ratios <- function(fit) {
  b <- coef(fit)[-1]
  if (length(b) == 0) return("null")
  s <- fit$scale
  v <- vcov(fit)
  k <- length(coef(fit))
  se <- sapply(seq_along(b), function(j) {
    if (fit$dist == "exponential") return(sqrt(v[j + 1, j + 1]))
    g <- c(-1 / s, b[j] / s)
    idx <- c(j + 1, k + 1)
    sqrt(drop(t(g) %*% v[idx, idx] %*% g))
  })
  loghr <- -b / s
  q <- qnorm(0.975)
  obj(term = str(rename(names(b))), hr = num(exp(loghr)), log_hr_se = num(se),
      lower = num(exp(loghr - q * se)), upper = num(exp(loghr + q * se)))
}

model <- function(label, formula, data, dist) {
  fit <- survreg(formula, data = data, dist = dist)
  s <- summary(fit)
  tab <- s$table
  k <- length(coef(fit))
  has_scale <- nrow(tab) > k
  lr <- 2 * diff(fit$loglik)
  df <- k - 1
  obj(call = paste0("\"survreg(", deparse(formula), ", data = ", label, ", dist = '", dist, "')\""),
      distribution = paste0("\"", dist, "\""), n = nrow(fit$y), n_omitted_na = length(fit$na.action),
      events = sum(fit$y[, 2]), iter = fit$iter,
      term = str(rename(names(coef(fit)))), coef = num(tab[1:k, 1]), se = num(tab[1:k, 2]),
      z = num(tab[1:k, 3]), p = num(tab[1:k, 4]),
      scale = one(fit$scale),
      log_scale = if (has_scale) one(tab[k + 1, 1]) else "null",
      log_scale_se = if (has_scale) one(tab[k + 1, 2]) else "null",
      log_scale_z = if (has_scale) one(tab[k + 1, 3]) else "null",
      log_scale_p = if (has_scale) one(tab[k + 1, 4]) else "null",
      var = num(as.vector(vcov(fit))),
      loglik_null = one(fit$loglik[1]), loglik_fit = one(fit$loglik[2]),
      chisq = one(lr), df = df, chisq_p = if (df > 0) one(pchisq(lr, df, lower.tail = FALSE)) else "null",
      hazard_ratios = if (dist %in% c("weibull", "exponential")) hazard_ratios(fit) else "null")
}

lung_formula <- Surv(time, status) ~ age + sex + ph.ecog
rossi_formula <- Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio
json <- obj(
  generated_by = paste0("\"", R.version.string, ", survival ", packageVersion("survival"), " (parametric.R)\""),
  lung = obj(
    weibull = model("lung", lung_formula, lung, "weibull"),
    exponential = model("lung", lung_formula, lung, "exponential"),
    lognormal = model("lung", lung_formula, lung, "lognormal"),
    loglogistic = model("lung", lung_formula, lung, "loglogistic"),
    weibull_categorical = model("lung", Surv(time, status) ~ age + factor(ph.ecog), lung, "weibull"),
    loglogistic_interaction = model("lung", Surv(time, status) ~ age + sex + age:sex, lung, "loglogistic"),
    weibull_intercept = model("lung", Surv(time, status) ~ 1, lung, "weibull"),
    exponential_intercept = model("lung", Surv(time, status) ~ 1, lung, "exponential")),
  ovarian = obj(
    weibull = model("ovarian", Surv(futime, fustat) ~ age + factor(rx), ovarian, "weibull"),
    lognormal = model("ovarian", Surv(futime, fustat) ~ age + factor(rx), ovarian, "lognormal")),
  rossi = obj(
    weibull = model("rossi", rossi_formula, rossi, "weibull"),
    loglogistic = model("rossi", rossi_formula, rossi, "loglogistic"),
    exponential = model("rossi", rossi_formula, rossi, "exponential"),
    lognormal = model("rossi", rossi_formula, rossi, "lognormal")))
cat(json, "\n", file = file.path(here, "parametric.r-survival.json"), sep = "")
