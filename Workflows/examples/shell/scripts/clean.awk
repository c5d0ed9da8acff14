# Keeps time, status and sex of patients with all three known; writes a header line.
BEGIN { FS = ","; OFS = "," }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print "time", "status", "sex"; next }
$(col["time"]) != "" && $(col["status"]) != "" && $(col["sex"]) != "" {
    print $(col["time"]), $(col["status"]), ($(col["sex"]) == 1 ? "male" : "female")
}
