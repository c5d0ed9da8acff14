# Recomputes the flagship study's survival numbers with R's survival package from the prepared
# tables the study wrote (results/liver-metastasis/**.csv), printing "key<TAB>value" lines that
# compare.py sets beside StudyFlow's JSON results. R is not a dependency of StudyFlow: this is the
# check a reviewer runs (`make check-r`).
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "results/liver-metastasis"
out <- function(key, value) cat(sprintf("%s\t%.17g\n", key, value))
tab <- function(path) read.csv(file.path(dir, path), check.names = FALSE, stringsAsFactors = FALSE)

km <- function(prefix, d, group) {
  fit <- survfit(as.formula(paste("Surv(os_months, death) ~", group)), data = d)
  t <- summary(fit)$table
  for (i in seq_len(nrow(t))) {
    g <- sub("^[^=]*=", "", rownames(t)[i])
    out(paste0(prefix, ".median[", g, "]"), t[i, "median"])
    out(paste0(prefix, ".median_lower[", g, "]"), t[i, "0.95LCL"])
    out(paste0(prefix, ".median_upper[", g, "]"), t[i, "0.95UCL"])
    out(paste0(prefix, ".n[", g, "]"), t[i, "records"])
    out(paste0(prefix, ".events[", g, "]"), t[i, "events"])
  }
}
logrank <- function(prefix, d, group) {
  s <- survdiff(as.formula(paste("Surv(os_months, death) ~", group)), data = d)
  out(paste0(prefix, ".statistic"), s$chisq)
  out(paste0(prefix, ".p"), pchisq(s$chisq, length(s$n) - 1, lower.tail = FALSE))
}
cox <- function(prefix, d, formula, zph = FALSE) {
  fit <- coxph(as.formula(formula), data = d, ties = "efron")
  s <- summary(fit)
  term <- grep("liver", names(coef(fit)))[1]
  out(paste0(prefix, ".coef"), coef(fit)[term])
  out(paste0(prefix, ".se"), sqrt(diag(vcov(fit)))[term])
  out(paste0(prefix, ".hr_lower"), s$conf.int[term, "lower .95"])
  out(paste0(prefix, ".hr_upper"), s$conf.int[term, "upper .95"])
  out(paste0(prefix, ".p"), s$coefficients[term, "Pr(>|z|)"])
  out(paste0(prefix, ".loglik_fit"), fit$loglik[2])
  out(paste0(prefix, ".lr"), s$logtest["test"])
  out(paste0(prefix, ".concordance"), fit$concordance["concordance"])
  if (zph) out(paste0(prefix, ".ph_global_chisq"), cox.zph(fit, transform = "km")$table["GLOBAL", "chisq"])
}
lv <- function(d) { d$liver_status <- relevel(factor(d$liver_status), ref = "No liver metastasis"); d }

im <- lv(tab("imvigor210/cohort.csv"))
km("imvigor_km", im, "liver_status")
logrank("imvigor_logrank", im, "liver_status")
km("imvigor_km_sites", im, "met_site")
logrank("imvigor_logrank_sites", im, "met_site")
cox("imvigor_cox", im, "Surv(os_months, death) ~ liver_status")
im$ecog <- relevel(factor(im$ecog), ref = "0")
im$ic_level <- relevel(factor(im$ic_level), ref = "IC0")
cox("imvigor_cox_adjusted", im, "Surv(os_months, death) ~ liver_status + ecog + ic_level", zph = TRUE)

msk <- lv(tab("msk/cohort.csv"))
km("msk_km", msk, "liver_status")
logrank("msk_logrank", msk, "liver_status")
cox("msk_cox", msk, "Surv(os_months, death) ~ liver_status")
msk$cancer_type <- relevel(factor(msk$cancer_type), ref = "Non-Small Cell Lung Cancer")
msk$drug_type <- relevel(factor(msk$drug_type), ref = "PD-1/PDL-1")
msk$age_group <- relevel(factor(msk$age_group), ref = "50-60")
suppressWarnings(cox("msk_cox_adjusted", msk,
  "Surv(os_months, death) ~ liver_status + cancer_type + drug_type + age_group + log2_tmb", zph = TRUE))
for (g in c("four", "nsclc", "melanoma", "bladder", "rcc", "pd1", "combo")) {
  cox(paste0("msk_cox_", g), lv(tab(paste0("msk/subgroup-", g, ".csv"))), "Surv(os_months, death) ~ liver_status")
}
