# R reference for the report's Table 1 (report/html `characteristics` table): lung.csv by sex, with
# age, wt.loss and meal.cal as median (IQR) (quantile type 7, R's default) and ph.ecog and status as
# n (%) of the non-missing values, a Missing row for each column with NA, an Overall column first.
# Numbers are rounded half away from zero (as the report prints them, not sprintf's half-even), to
# 2 decimals for medians and quartiles and 1 for percentages. Writes characteristics.r-table1.json:
#   Rscript Tests/StudyStatsTests/Reference/characteristics.R
# (R 4.2.2 from Debian: apt-get install r-base-core)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "lung.csv"))
by <- "sex"
numeric <- c("age", "wt.loss", "meal.cal")
categorical <- c("ph.ecog", "status")
columns <- c("age", "ph.ecog", "wt.loss", "status", "meal.cal")

fmt <- function(x, digits) {
  r <- sign(x) * floor(abs(x) * 10^digits + 0.5) / 10^digits
  formatC(r, format = "f", digits = digits)
}
groups <- c(list(Overall = seq_len(nrow(d))),
            lapply(split(seq_len(nrow(d)), factor(d[[by]])), identity))
header <- c("Characteristic", paste0(names(groups), " (n = ", sapply(groups, length), ")"))
rows <- list()
add <- function(cells) rows[[length(rows) + 1]] <<- cells
for (col in columns) {
  x <- d[[col]]
  if (col %in% numeric) {
    add(c(paste0(col, ", median (IQR)"), sapply(groups, function(g) {
      q <- quantile(x[g], c(0.5, 0.25, 0.75), na.rm = TRUE, type = 7)
      paste0(fmt(q[1], 2), " (", fmt(q[2], 2), "\u2013", fmt(q[3], 2), ")")
    })))
  } else {
    add(c(paste0(col, ", n (%)"), rep("", length(groups))))
    for (level in levels(factor(x))) {
      add(c(paste0("\u2003", level), sapply(groups, function(g) {
        v <- x[g]
        n <- sum(v == level, na.rm = TRUE)
        paste0(n, " (", fmt(100 * n / sum(!is.na(v)), 1), ")")
      })))
    }
  }
  if (any(is.na(x))) add(c("\u2003Missing", sapply(groups, function(g) sum(is.na(x[g])))))
}
str <- function(x) paste0("[", paste0("\"", x, "\"", collapse = ","), "]")
json <- paste0("{\"header\":", str(header), ",\"rows\":[\n",
               paste(sapply(rows, str), collapse = ",\n"), "\n]}\n")
con <- file(file.path(here, "characteristics.r-table1.json"), open = "w", encoding = "UTF-8")
cat(json, file = con)
close(con)
