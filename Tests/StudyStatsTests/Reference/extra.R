# Extra R references for what lung.r-survival.json does not hold: Kaplan-Meier at conf_level 0.90
# (log and log-log CIs), log-rank with strata (rho 0 and 1), stratified Cox (Efron and Breslow) and
# cox.zph of a model with a categorical covariate, as the survival stages are asked for them.
# Writes lung.extra.r-survival.json beside this file. R is needed only to regenerate that file:
#   Rscript Tests/StudyStatsTests/Reference/extra.R
# (R 4.2.2, survival 3.5-3 from Debian: apt-get install r-base-core r-cran-survival)
suppressMessages(library(survival))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
lung <- read.csv(file.path(here, "lung.csv"))

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

km <- function(conf.type) {
  fit <- survfit(Surv(time, status) ~ sex, data = lung, conf.int = 0.90, conf.type = conf.type)
  tab <- summary(fit)$table
  groups <- character(0)
  strata <- rep(names(fit$strata), fit$strata)
  for (i in seq_along(fit$strata)) {
    k <- strata == names(fit$strata)[i]
    groups <- c(groups, obj(
      strata = paste0("\"", names(fit$strata)[i], "\""),
      median = one(tab[i, "median"]), median_lower = one(tab[i, "0.9LCL"]), median_upper = one(tab[i, "0.9UCL"]),
      time = num(fit$time[k]), n_risk = num(fit$n.risk[k]), n_event = num(fit$n.event[k]),
      n_censor = num(fit$n.censor[k]), surv = num(fit$surv[k]), std_err = num(fit$std.err[k]),
      lower = num(fit$lower[k]), upper = num(fit$upper[k])))
  }
  obj(call = paste0("\"survfit(Surv(time, status) ~ sex, conf.int = 0.90, conf.type = '", conf.type, "')\""),
      conf_type = paste0("\"", conf.type, "\""), conf_level = "0.9", groups = paste0("[", paste(groups, collapse = ","), "]"))
}

logrank <- function(rho) {
  t <- survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung, rho = rho)
  df <- sum(rowSums(as.matrix(t$exp)) > 0) - 1
  obj(call = paste0("\"survdiff(Surv(time, status) ~ sex + strata(ph.ecog), rho = ", rho, ")\""),
      rho = rho, chisq = one(t$chisq), df = df, p = one(pchisq(t$chisq, df, lower.tail = FALSE)),
      groups = str(names(t$n)), n = num(as.vector(t$n)), observed = num(rowSums(as.matrix(t$obs))),
      expected = num(rowSums(as.matrix(t$exp))))
}

cox <- function(ties) {
  fit <- coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung, ties = ties)
  s <- summary(fit)
  co <- s$coefficients
  obj(call = paste0("\"coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), ties = '", ties, "')\""),
      ties = paste0("\"", ties, "\""), n = fit$n, nevent = fit$nevent, n_omitted_na = length(fit$na.action),
      iter = fit$iter, term = str(rownames(co)), coef = num(co[, "coef"]), se = num(co[, "se(coef)"]),
      z = num(co[, "z"]), p = num(co[, "Pr(>|z|)"]), hr_lower = num(s$conf.int[, "lower .95"]),
      hr_upper = num(s$conf.int[, "upper .95"]), var = num(as.vector(fit$var)),
      loglik_null = one(fit$loglik[1]), loglik_fit = one(fit$loglik[2]),
      likelihood_ratio = one(2 * diff(fit$loglik)), wald = one(fit$wald.test), score = one(fit$score),
      concordance = one(fit$concordance[["concordance"]]), concordance_se = one(fit$concordance[["std"]]))
}

zph <- function() {
  fit <- coxph(Surv(time, status) ~ age + sex + factor(ph.ecog), data = lung, ties = "efron")
  z <- cox.zph(fit, transform = "km", terms = TRUE)
  obj(call = "\"cox.zph(coxph(Surv(time, status) ~ age + sex + factor(ph.ecog)), transform = 'km')\"",
      term = str(sub("^factor\\(ph.ecog\\)$", "ph.ecog", rownames(z$table))),
      chisq = num(z$table[, "chisq"]), df = num(z$table[, "df"]), p = num(z$table[, "p"]))
}

json <- obj(
  generated_by = paste0("\"", R.version.string, ", survival ", packageVersion("survival"), " (extra.R)\""),
  data_file = "\"lung.csv\"",
  kaplan_meier_90 = obj(log = km("log"), log_log = km("log-log")),
  logrank_strata = obj(rho0 = logrank(0), rho1 = logrank(1)),
  cox_strata = obj(efron = cox("efron"), breslow = cox("breslow")),
  cox_zph_categorical = zph())
cat(json, "\n", file = file.path(here, "lung.extra.r-survival.json"), sep = "")
