# One line per arm from the per-arm files given as arguments, under the title in data/title.txt.
# The script opens data/title.txt itself, so the workflow must declare it as an input of the
# stage: under 'sandbox: true' an undeclared file is simply not there.
BEGIN {
    if ((getline title < "data/title.txt") <= 0) {
        print "report.awk: cannot open data/title.txt: No such file or directory" > "/dev/stderr"
        exit 2
    }
    print title
    print ""
}
FNR == 1 { if (arm != "") summary(); arm = FILENAME; sub(/.*\//, "", arm); sub(/\.txt$/, "", arm); n = 0; r = 0 }
{ n++; r += $1 }
END { if (arm != "") summary() }
function summary() { printf "%s: %d patients, %d responders\n", arm, n, r }
