# R references for the Kaplan-Meier breadth (counting-process `start`, case `weights`, the
# restricted-mean difference) and the competing-risks cumulative incidence (Aalen-Johansen via
# survfit on a multi-state Surv, Gray's test via cmprsk::cuminc) that the survival stages compute.
# Writes survfit.r-survival.json beside this file. R is needed only to regenerate that file:
#   Rscript Tests/StudyStatsTests/Reference/survfit.R
# (R 4.2.2, survival 3.5-3, cmprsk 2.2-11 from Debian: r-base-core r-cran-survival r-cran-cmprsk)
suppressMessages({library(survival); library(cmprsk)})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
lung <- read.csv(file.path(here, "lung.csv"))
heart <- read.csv(file.path(here, "heart.csv"))
mgus2 <- read.csv(file.path(here, "mgus2.csv"))

num <- function(x) {
  if (length(x) == 0) return("[]")
  s <- ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
  paste0("[", paste(s, collapse = ","), "]")
}
one <- function(x) if (is.na(x) || !is.finite(x)) "null" else sprintf("%.17g", x)
quote <- function(x) paste0("\"", x, "\"")
str <- function(x) paste0("[", paste0("\"", x, "\"", collapse = ","), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste0("\"", names(kv), "\":", unlist(kv), collapse = ","), "}")
}
arr <- function(items) paste0("[", paste(items, collapse = ","), "]")

# Case weights as a function of the 1-based row number, so the Swift tests rebuild them exactly.
whole_weights <- function(n) 1 + (seq_len(n) %% 3)
fractional_weights <- function(n) 0.25 + (seq_len(n) %% 5) * 0.375

# One entry per curve: the survfit table, median with limits, and the restricted mean up to tau.
km_curves <- function(fit, tau) {
  tab <- summary(fit, rmean = tau)$table
  if (is.null(fit$strata)) {
    tab <- matrix(tab, nrow = 1, dimnames = list("all", names(tab)))
    strata <- rep("all", length(fit$time)); names <- "all"
  } else {
    names <- names(fit$strata); strata <- rep(names, fit$strata)
  }
  arr(sapply(seq_along(names), function(i) {
    k <- strata == names[i]
    obj(strata = quote(names[i]), records = one(tab[i, "records"]), events = one(tab[i, "events"]),
        median = one(tab[i, "median"]), median_lower = one(tab[i, "0.95LCL"]), median_upper = one(tab[i, "0.95UCL"]),
        rmean = one(tab[i, "rmean"]), rmean_se = one(tab[i, "se(rmean)"]),
        time = num(fit$time[k]), n_risk = num(fit$n.risk[k]), n_event = num(fit$n.event[k]),
        n_censor = num(fit$n.censor[k]), surv = num(fit$surv[k]),
        # std.err of -log S, as survfit stores it for an unweighted or whole-weight fit (logse TRUE)
        std_err = num(if (fit$logse) fit$std.err[k] else ifelse(fit$surv[k] == 0, NA, fit$std.err[k] / fit$surv[k])),
        lower = num(fit$lower[k]), upper = num(fit$upper[k]))
  }))
}

km <- function(call, fit, tau) obj(call = quote(call), tau = one(tau), curves = km_curves(fit, tau))

rmst_difference <- function(fit, tau, conf = 0.95) {
  tab <- summary(fit, rmean = tau)$table
  est <- tab[2, "rmean"] - tab[1, "rmean"]
  se <- sqrt(tab[1, "se(rmean)"]^2 + tab[2, "se(rmean)"]^2)
  z <- qnorm(1 - (1 - conf) / 2)
  obj(groups = str(names(fit$strata)[1:2]), tau = one(tau), conf_level = one(conf), estimate = one(est), se = one(se),
      lower = one(est - z * se), upper = one(est + z * se), p = one(2 * pnorm(-abs(est / se))))
}

n_lung <- nrow(lung); n_heart <- nrow(heart)
lung$w_whole <- whole_weights(n_lung); lung$w_frac <- fractional_weights(n_lung)
heart$w_frac <- fractional_weights(n_heart)

km_counting <- km("survfit(Surv(start, stop, event) ~ transplant, data = heart)",
                  survfit(Surv(start, stop, event) ~ transplant, data = heart), 365)
km_whole <- km("survfit(Surv(time, status) ~ sex, data = lung, weights = 1 + row %% 3)",
               survfit(Surv(time, status) ~ sex, data = lung, weights = w_whole), 365)
km_frac <- km("survfit(Surv(time, status) ~ sex, data = lung, weights = 0.25 + (row %% 5) * 0.375)",
              survfit(Surv(time, status) ~ sex, data = lung, weights = w_frac), 365)
km_counting_frac <- km("survfit(Surv(start, stop, event) ~ 1, data = heart, weights = 0.25 + (row %% 5) * 0.375)",
                       survfit(Surv(start, stop, event) ~ 1, data = heart, weights = w_frac), 365)

# Zero weights: the rows still give time points (n.risk may reach 0; the curve stays where it was).
zero <- data.frame(t = c(1, 2, 3, 4, 5), e = c(1, 1, 0, 1, 1), w = c(1, 0, 1, 0, 1))
km_zero <- km("survfit(Surv(t, e) ~ 1, weights = c(1, 0, 1, 0, 1)) on t = 1:5, e = c(1, 1, 0, 1, 1)",
              survfit(Surv(t, e) ~ 1, data = zero, weights = w), 4)

rmst <- obj(
  lung_sex_365 = rmst_difference(survfit(Surv(time, status) ~ sex, data = lung), 365),
  lung_sex_500_90 = rmst_difference(survfit(Surv(time, status) ~ sex, data = lung, conf.int = 0.9), 500, 0.9),
  heart_transplant_365 = rmst_difference(survfit(Surv(start, stop, event) ~ transplant, data = heart), 365))

# Aalen-Johansen: one entry per (group, event type) with survfit's pstate, std.err and log limits.
cif_curves <- function(fit) {
  states <- fit$states[-1]
  if (is.null(fit$strata)) { names <- "all"; strata <- rep("all", length(fit$time)) }
  else { names <- names(fit$strata); strata <- rep(names, fit$strata) }
  out <- character(0)
  for (i in seq_along(names)) for (j in seq_along(states)) {
    k <- strata == names[i]; col <- j + 1
    out <- c(out, obj(strata = quote(names[i]), event = quote(states[j]), time = num(fit$time[k]),
                      n_risk = num(fit$n.risk[k, 1]), estimate = num(fit$pstate[k, col]),
                      std_err = num(fit$std.err[k, col]), lower = num(fit$lower[k, col]), upper = num(fit$upper[k, col])))
  }
  arr(out)
}

gray <- function(group) {
  t <- cuminc(mgus2$etime, mgus2$event, group)$Tests
  obj(event = str(rownames(t)), stat = num(t[, "stat"]), pv = num(t[, "pv"]), df = num(t[, "df"]))
}
mgus2$ageband <- ifelse(mgus2$age < 65, "a", ifelse(mgus2$age < 75, "b", "c"))
cif <- obj(
  sex = obj(call = quote("survfit(Surv(etime, factor(event)) ~ sex, data = mgus2)"),
            curves = cif_curves(survfit(Surv(etime, factor(event)) ~ sex, data = mgus2))),
  all = obj(call = quote("survfit(Surv(etime, factor(event)) ~ 1, data = mgus2)"),
            curves = cif_curves(survfit(Surv(etime, factor(event)) ~ 1, data = mgus2))),
  sex_90 = obj(call = quote("survfit(Surv(etime, factor(event)) ~ sex, data = mgus2, conf.int = 0.9)"),
               curves = cif_curves(survfit(Surv(etime, factor(event)) ~ sex, data = mgus2, conf.int = 0.9))),
  gray_sex = gray(mgus2$sex),
  gray_ageband = gray(mgus2$ageband))

version <- paste0(R.version$version.string, ", survival ", packageVersion("survival"), ", cmprsk ", packageVersion("cmprsk"))
json <- obj(generated_by = quote(paste0(version, " (survfit.R)")),
            data_files = str(c("lung.csv", "heart.csv", "mgus2.csv")),
            km_counting = km_counting, km_whole_weights = km_whole, km_fractional_weights = km_frac,
            km_counting_fractional_weights = km_counting_frac, km_zero_weights = km_zero, rmst_difference = rmst, cumulative_incidence = cif)
writeLines(json, file.path(here, "survfit.r-survival.json"))
