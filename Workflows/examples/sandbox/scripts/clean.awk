# Keeps the header and the rows with a recorded response (0 or 1).
NR == 1 || $3 == "0" || $3 == "1" { print }
