# Exports two more data sets shipped with R's survival package 3.5-3 for the survival-breadth
# references: mgus2 (competing risks: plasma-cell malignancy vs death) and heart (Stanford heart
# transplant, counting-process (start, stop] rows). Run once; the CSVs are committed:
#   Rscript Tests/StudyStatsTests/Reference/datasets.R
suppressMessages(library(survival))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
m <- mgus2
# The survival vignette's competing-risk coding: first event of progression (1) or death (2).
m$etime <- ifelse(m$pstat == 0, m$futime, m$ptime)
m$event <- ifelse(m$pstat == 0, 2 * m$death, 1)
write.csv(m, file.path(here, "mgus2.csv"), row.names = FALSE, na = "")
h <- heart
h$transplant <- as.integer(as.character(h$transplant))
write.csv(h, file.path(here, "heart.csv"), row.names = FALSE, na = "")
