# report/html in a real browser: run the example report workflow, render its HTML with headless
# Chromium (scripts/render-report.sh) and check the page drew: not blank, every figure's palette
# colours present (no broken or missing image), no <img> or external reference, height in range.
# The PNG stays in out/report.png (ignored by git) as a CI artefact.
report_ws="$work/report-render"
cp -R "$root/Workflows/examples/report" "$report_ws"
check "$bin" run -C "$report_ws" workflow.yaml
mkdir -p "$root/out"
report_stats=$(bash "$root/scripts/render-report.sh" "$report_ws/results/report.html" "$root/out/report.png" 1000 || echo '{}')
echo "integration: report.png $report_stats"
report_check() {
    python3 - "$report_stats" "$report_ws/results/report.html" <<'PY'
import json, re, sys
s = json.loads(sys.argv[1]); html = open(sys.argv[2]).read()
problems = []
if not s: problems.append("no screenshot")
else:
    if not 3000 <= s["height"] <= 15000: problems.append(f"page height {s['height']} px outside 3000-15000")
    if s["non_white"] < 0.03: problems.append(f"page nearly blank ({s['non_white']:.1%} drawn)")
    for name in ("blue", "vermillion", "green", "orange"):
        if s["colours"][name] < 200: problems.append(f"too little {name} ({s['colours'][name]} px): a figure did not draw")
if "<img" in html or re.search(r'\s(src|href)="(https?:)?//', html.split("<body>")[0]): problems.append("external or image reference")
if html.count("<svg") != 4: problems.append(f"{html.count('<svg')} SVGs, expected 4")
print("; ".join(problems) or "report page rendered", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check report_check
