# Kaplan-Meier product-limit estimate per group from time,status,group rows sorted by group, time.
# Prints group, time, at risk, events, survival; one row per distinct event time.
BEGIN { FS = ","; OFS = "\t"; print "group", "time", "n_risk", "n_event", "survival" }
function flush_group(   i, t, s, risk) {
    if (n == 0) return
    s = 1; risk = n
    for (i = 1; i <= nt; i++) {
        t = times[i]
        if (events[t] > 0) { s *= 1 - events[t] / risk; printf "%s\t%s\t%d\t%d\t%.6f\n", g, t, risk, events[t], s }
        risk -= total[t]
    }
    delete times; delete events; delete total; n = 0; nt = 0
}
NR == 1 { next }
$3 != g { flush_group(); g = $3 }
{
    n++
    if (!($1 in total)) { times[++nt] = $1; total[$1] = 0; events[$1] = 0 }
    total[$1]++; events[$1] += $2
}
END { flush_group() }
