# R references for survival/cox breadth (counting process, several strata, cluster, case weights)
# and survival/fine-gray: coxph(Surv(start, stop, event)), strata(a, b), cluster =, weights =
# (Efron and Breslow), and finegray() + weighted coxph on mgus2.
# Writes cox-breadth-rossi.csv and cox-breadth-heart.csv (the data sets with deterministic case
# weights added) and cox-breadth.r-survival.json beside this file:
#   Rscript Tests/StudyStatsTests/Reference/cox-breadth.R
# (R 4.2.2, survival 3.5-3 from Debian: apt-get install r-base-core r-cran-survival)
suppressMessages(library(survival))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
rd <- function(name) read.csv(file.path(here, name))

num <- function(x) {
  if (length(x) == 0) return("[]")
  s <- ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
  paste0("[", paste(s, collapse = ","), "]")
}
one <- function(x) if (is.null(x) || is.na(x) || !is.finite(x)) "null" else sprintf("%.17g", x)
str <- function(x) paste0("[", paste0("\"", x, "\"", collapse = ","), "]")
q <- function(x) paste0("\"", gsub("\"", "'", x), "\"")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste0("\"", names(kv), "\":", unlist(kv), collapse = ","), "}")
}

# Case weights: integer (1, 2, 3) and quarter values (0.25 … 1.75), exact in binary and in CSV.
addWeights <- function(d) {
  i <- seq_len(nrow(d))
  d$w_int <- 1 + (i %% 3)
  d$w_frac <- (1 + (i %% 7)) / 4
  d
}
rossi <- addWeights(rd("rossi.csv"))
write.csv(rossi, file.path(here, "cox-breadth-rossi.csv"), row.names = FALSE)
heart <- addWeights(rd("heart.csv"))
write.csv(heart, file.path(here, "cox-breadth-heart.csv"), row.names = FALSE)
rossi <- rd("cox-breadth-rossi.csv")
heart <- rd("cox-breadth-heart.csv")
lung <- rd("lung.csv")
colon <- rd("colon.csv")
mgus2 <- rd("mgus2.csv")

describe <- function(fit, call) {
  s <- summary(fit)
  co <- s$coefficients
  robust <- !is.null(fit$naive.var)
  naive <- if (robust) fit$naive.var else fit$var
  obj(call = q(call), ties = q(fit$method), n = fit$n, nevent = fit$nevent,
      n_omitted_na = length(fit$na.action), iter = fit$iter, term = str(rownames(co)),
      coef = num(co[, "coef"]), se = num(sqrt(diag(naive))),
      robust_se = if (robust) num(co[, "robust se"]) else "null",
      z = num(co[, "z"]), p = num(co[, "Pr(>|z|)"]), hr_lower = num(s$conf.int[, "lower .95"]),
      hr_upper = num(s$conf.int[, "upper .95"]), var = num(as.vector(fit$var)),
      naive_var = num(as.vector(naive)),
      loglik_null = one(fit$loglik[1]), loglik_fit = one(fit$loglik[2]),
      likelihood_ratio = one(2 * diff(fit$loglik)), wald = one(fit$wald.test), score = one(fit$score),
      robust_score = one(fit$rscore),
      concordance = one(fit$concordance[["concordance"]]), concordance_se = one(fit$concordance[["std"]]))
}

fits <- list()
both <- function(key, expr) {
  for (ties in c("efron", "breslow")) {
    call <- sprintf(expr, ties)
    fit <- eval(parse(text = call))
    fits[[paste0(key, "_", ties)]] <<- describe(fit, call)
  }
}
both("heart", "coxph(Surv(start, stop, event) ~ age + surgery + transplant, data = heart, ties = '%s')")
both("heart_cluster", "coxph(Surv(start, stop, event) ~ age + surgery + transplant, data = heart, cluster = id, ties = '%s')")
both("heart_weighted", "coxph(Surv(start, stop, event) ~ age + surgery + transplant, data = heart, weights = w_frac, ties = '%s')")
both("heart_weighted_cluster", "coxph(Surv(start, stop, event) ~ age + surgery + transplant, data = heart, weights = w_int, cluster = id, ties = '%s')")
both("heart_strata_all", "coxph(Surv(start, stop, event) ~ age + transplant + strata(surgery), data = heart, weights = w_frac, cluster = id, ties = '%s')")
both("lung_strata2", "coxph(Surv(time, status) ~ age + wt.loss + strata(sex, ph.ecog), data = lung, ties = '%s')")
both("colon_strata2", "coxph(Surv(time, status) ~ age + nodes + strata(sex, rx), data = colon, ties = '%s')")
both("lung_cluster", "coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, cluster = inst, ties = '%s')")
both("lung_cluster_strata", "coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung, cluster = inst, ties = '%s')")
both("rossi_w_int", "coxph(Surv(week, arrest) ~ fin + age + prio, data = rossi, weights = w_int, ties = '%s')")
both("rossi_w_frac", "coxph(Surv(week, arrest) ~ fin + age + prio, data = rossi, weights = w_frac, ties = '%s')")

# Fine-Gray: rows complete in the used columns, then finegray() for one cause and the weighted
# counting-process fit (robust variance by default: the weights are not integers).
fineGray <- function(cause, ties) {
  d <- na.omit(mgus2[, c("etime", "event", "age", "sex", "hgb")])
  d$status <- factor(d$event, levels = 0:2)
  pdata <- finegray(Surv(etime, status) ~ age + sex + hgb, data = d, etype = as.character(cause))
  call <- sprintf("coxph(Surv(fgstart, fgstop, fgstatus) ~ age + sex + hgb, data = finegray(Surv(etime, factor(event, 0:2)) ~ age + sex + hgb, data = na.omit(mgus2[, c('etime', 'event', 'age', 'sex', 'hgb')]), etype = '%d'), weights = fgwt, ties = '%s')", cause, ties)
  fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ age + sex + hgb, data = pdata, weights = fgwt, ties = ties)
  paste0(substr(describe(fit, call), 1, nchar(describe(fit, call)) - 1),
         ",\"subjects\":", nrow(d), ",\"rows\":", nrow(pdata),
         ",\"fgwt_sum\":", one(sum(pdata$fgwt)), ",\"fgwt_stop_sum\":", one(sum(pdata$fgwt * pdata$fgstop)),
         ",\"fgstatus_sum\":", one(sum(pdata$fgstatus)), "}")
}
for (cause in 1:2) for (ties in c("efron", "breslow")) fits[[sprintf("finegray_cause%d_%s", cause, ties)]] <- fineGray(cause, ties)
# Clustered by subject: the expanded rows of one patient form one cluster.
for (ties in c("efron", "breslow")) {
  d <- na.omit(mgus2[, c("id", "etime", "event", "age", "sex", "hgb")])
  d$status <- factor(d$event, levels = 0:2)
  pdata <- finegray(Surv(etime, status) ~ age + sex + hgb + id, data = d, etype = "1")
  call <- sprintf("coxph(Surv(fgstart, fgstop, fgstatus) ~ age + sex + hgb, data = finegray(Surv(etime, factor(event, 0:2)) ~ age + sex + hgb + id, data = na.omit(mgus2[, c('id', 'etime', 'event', 'age', 'sex', 'hgb')]), etype = '1'), weights = fgwt, cluster = id, ties = '%s')", ties)
  fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ age + sex + hgb, data = pdata, weights = fgwt, cluster = id, ties = ties)
  fits[[sprintf("finegray_cause1_cluster_%s", ties)]] <- describe(fit, call)
}

json <- paste0("{\"generated_by\":", q(paste0(R.version.string, ", survival ", packageVersion("survival"), " (cox-breadth.R)")),
               ",", paste0("\"", names(fits), "\":", unlist(fits), collapse = ","), "}")
cat(json, "\n", file = file.path(here, "cox-breadth.r-survival.json"), sep = "")
