# Median survival per group: the first event time where the Kaplan-Meier estimate is <= 0.5.
BEGIN { FS = "\t"; OFS = "\t"; print "group", "median_days" }
NR == 1 { next }
!($1 in median) && $5 <= 0.5 { median[$1] = $2; order[++n] = $1 }
END { for (i = 1; i <= n; i++) print order[i], median[order[i]] }
