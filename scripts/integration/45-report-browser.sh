# The flagship report in a real browser (issue 18 item 7): scripts/check-report-browser.py opens
# it in headless Chromium over the DevTools pipe and checks, from the page itself, that every
# figure's graphic drew (non-white pixels in its own box), that at 400 px nothing widens the page
# and no SVG text is under 9 CSS px, that printed to A4 no figure is split across pages, and that
# the page makes no request. Then each check must fail on a copy broken on purpose, naming the
# figure: among them the MSK small multiples split while they fit a page, forced into one column
# (as before issue 18's grid: over several pages), and with panels shrinking on a phone. Reuses
# the flagship run of 40-flagship.sh (runs it when this section runs alone) and also checks the
# example report of 20-report.sh when it ran. The PDF stays in out/ (a CI artefact).
# Sourced by scripts/test-integration.sh: uses $bin, $root, $work and check().
browser_ws="$work/report-browser"
rm -rf "$root/out/report-browser"
mkdir -p "$browser_ws" "$root/out"
browser_report="$work/flagship/results/liver-metastasis/report.html"
if [ ! -s "$browser_report" ]; then
    mkdir -p "$browser_ws/flagship"
    cp -R "$root/Workflows" "$browser_ws/flagship/Workflows"
    check "$bin" run -C "$browser_ws/flagship" > "$browser_ws/flagship-run.txt"
    browser_report="$browser_ws/flagship/results/liver-metastasis/report.html"
fi
browser_check() { python3 "$root/scripts/check-report-browser.py" "$@"; }
check browser_check "$browser_report" --keep "$root/out/report-browser"
if [ -s "$work/report-render/results/report.html" ]; then
    check browser_check "$work/report-render/results/report.html"
fi

# browser_broken NAME CHECKS EXPECTED...: breaks a copy of the flagship report as NAME says, and
# the checker must fail on it with a line matching each EXPECTED (an extended regular expression);
# EXPECTED 'ok' instead means the copy is a case the checker must accept (exit 0).
browser_broken() {
    local name=$1 checks=$2 copy="$browser_ws/broken-$1.html" out rc=0 expected
    shift 2
    python3 - "$browser_report" "$copy" "$name" <<'PY' || return 1
import re, sys
html, name = open(sys.argv[1]).read(), sys.argv[3]
def once(pattern, replacement, text):
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.S)
    if n != 1: sys.exit(f"broken copy '{name}': no match for {pattern!r} in the report")
    return new
if name == "empty-svg":        # the first figure's SVG keeps its box but loses everything it drew
    html = once(r'(<figure id="figure-1">\s*<svg[^>]*>).*?(</svg>)', r"\1\2", html)
elif name == "wide-element":   # a fixed-width element in the first section
    html = once(r"(</section>)", r'<div style="width:1200px">a fixed-width block</div>\n\1', html)
elif name == "long-word":      # a word too long to wrap, in the first section's text
    html = once(r"(</section>)", "<p>" + "x" * 150 + "</p>\n" + r"\1", html)
elif name == "small-text":     # charts shrink with a phone's column: 11 px text drawn at ~6 px
    html = once(r"svg\.chart\{([^}]*)min-width:648px", r"svg.chart{\1min-width:0", html)
elif name == "tall-figure":    # a figure taller than an A4 page, allowed to break inside; a panel as tall
    html = once(r"figure\{([^}]*)break-inside:avoid;page-break-inside:avoid;", r"figure{\1", html)
    html = once(r'(<figure id="figure-1">)', r'\1<div style="height:300mm;border-left:2px solid #000"></div>', html)
    html = once(r'(<figure id="figure-2">)', r'\1<div class="facet-grid" style="--cols:3"><div class="panel"><p class="strip">tall</p>'
                r'<div style="height:300mm;border-left:2px solid #000"></div></div><div class="panel">x</div></div>', html)
elif name == "grid-split":     # small multiples that fit a page, pushed to its foot and allowed to break
    html = once(r"figure\{([^}]*)break-inside:avoid;page-break-inside:avoid;", r"figure{\1", html)
    html = once(r'(<figure id="figure-[0-9]+">\s*<div class="facets">)', r'<div style="break-before:page;height:200mm"></div>\1', html)
elif name == "one-column-grid":  # small multiples forced into one column (as before issue 18's grid): over pages
    html = once(r"(</style>)", r".facet-grid{grid-template-columns:1fr!important}\1", html)
elif name == "small-panel-text":  # panels that shrink with a phone's column instead of dropping columns
    html = once(r"minmax\(max\(([0-9]+)px,", r"minmax(max(0px,", html)
    html = once(r"(svg\.compact\{[^}]*)min-width:[0-9]+px", r"\1min-width:0", html)
elif name == "many-panels":    # 27 panels, more than a page holds in 3 columns: may break between rows
    html = once(r'(<div class="facet-grid" style="--cols:3">\n)(.*?)(</div>\n<p class="facet-x">)',
                lambda m: m.group(1) + m.group(2) * 3 + m.group(3), html)
elif name == "network":        # no CSP, and an image fetched from the network
    html = once(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", html)
    html = once(r"(<main>)", r'\1<img src="https://example.invalid/logo.png" alt="logo">', html)
open(sys.argv[2], "w").write(html)
PY
    out=$(browser_check "$copy" --checks "$checks" 2>&1) || rc=$?
    if [ "$1" = ok ]; then
        if [ "$rc" -ne 0 ]; then
            echo "report-browser: the '$checks' check refused '$name', a case it must accept (exit $rc)" >&2
            echo "$out" | grep -v dbus | tail -5 >&2
            return 1
        fi
        echo "report-browser: '$name' accepted, as expected: $(grep -m1 ' ok$' <<< "$out")"
        return 0
    fi
    for expected in "$@"; do
        if [ "$rc" -ne 1 ] || ! grep -Eq "$expected" <<< "$out"; then
            echo "report-browser: the '$checks' check passed a report broken as '$name' (exit $rc); expected a line matching: $expected" >&2
            echo "$out" | grep -v dbus | tail -5 >&2
            return 1
        fi
        echo "report-browser: broken as '$name', as expected: $(grep -Em1 "$expected" <<< "$out")"
    done
}
check browser_broken empty-svg figures '^broken-empty-svg.html: Figure 1 \(.+\): its <svg> drew nothing: 0\.00% '
check browser_broken wide-element phone "^broken-wide-element.html: phone 400 px: <div> in section '.+': <div> spans 12-1212 px, past the 400 px screen, and widens the page"
check browser_broken long-word phone "^broken-long-word.html: phone 400 px: <p> in section '.+': the text 'x+' spans 12-[0-9]+ px, past the 400 px screen, and widens the page"
check browser_broken small-text phone '^broken-small-text.html: phone 400 px: Figure 1 \(.+\): SVG text drawn at [0-8]\.[0-9] CSS px, under 9\.0 px'
check browser_broken tall-figure print '^broken-tall-figure.html: print A4: Figure 1 \(.+\): split across pages [0-9]+-[0-9]+ ' \
    "^broken-tall-figure.html: print A4: Figure 2 \\(.+\\): panel 1 'tall': split across pages [0-9]+-[0-9]+ "
browser_grid='Figure [0-9]+ \(Overall survival by liver metastasis \(proxy\) within each cancer type\)'
check browser_broken grid-split print "^broken-grid-split.html: print A4: $browser_grid: split across pages [0-9]+-[0-9]+ \(its panels fit on one page, so it must not break between them\)"
check browser_broken one-column-grid print "^broken-one-column-grid.html: print A4: $browser_grid: split across pages [0-9]+-[0-9]+ \(its panels print in 1 column\(s\), not the 3 it asks for"
check browser_broken many-panels print ok
check browser_broken small-panel-text phone "^broken-small-panel-text.html: phone 400 px: $browser_grid: SVG text drawn at [0-8]\.[0-9] CSS px, under 9\.0 px"
check browser_broken network network "^broken-network.html: network: the page requested 'https://example.invalid/logo.png'" \
    "^broken-network.html: network: the page has no Content-Security-Policy with default-src 'none'"
unset browser_ws browser_report browser_grid
