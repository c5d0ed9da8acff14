#!/usr/bin/env python3
"""Draws response_rate.py's JSON as an SVG dot plot: the rate per group with its interval.

usage: response_plot.py RESPONSE.json > FIGURE.svg
Python's standard library only (no matplotlib), as a user's own plotting script would be; the
output is byte-identical for the same input. The report inlines it with `{type: image}`.
"""
import json
import sys
from xml.sax.saxutils import escape

WIDTH, ROW, TOP, LEFT, RIGHT = 720, 64, 40, 190, 70
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]  # Okabe-Ito, in the report's own order


def percent(value):
    return f"{100 * value:.0f} %"


def main(path):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    groups = result["groups"]
    top = max(g["upper"] for g in groups if g["upper"] is not None)
    top = (int(top * 10) + 1) / 10  # the next 10 % above every interval
    height = TOP + ROW * len(groups) + 56
    plot = WIDTH - LEFT - RIGHT

    def x(rate):
        return LEFT + plot * rate / top

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="15">']
    out.append("<title>Objective response rate by liver metastasis, IMvigor210</title>")
    lines = [f'{g["group"]}: {g["responders"]} of {g["n"]} ({percent(g["rate"])}, '
             f'95 % CI {percent(g["lower"])} to {percent(g["upper"])})' for g in groups]
    out.append(f"<desc>Wilson 95 % intervals. {escape('; '.join(lines))}.</desc>")
    axis_y = TOP + ROW * len(groups)
    for k in range(int(round(top * 10)) + 1):
        tick = k / 10
        out.append(f'<line x1="{x(tick):.1f}" y1="{TOP - 10}" x2="{x(tick):.1f}" y2="{axis_y}" stroke="#ddd"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{axis_y + 20}" text-anchor="middle" fill="#333">{percent(tick)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="#333"/>')
    out.append(f'<text x="{LEFT + plot / 2:.1f}" y="{axis_y + 46}" text-anchor="middle" fill="#333">'
               "Objective response (CR or PR), Wilson 95 % interval</text>")
    for row, g in enumerate(groups):
        y = TOP + ROW * row + ROW / 2
        colour = COLOURS[row % len(COLOURS)]
        out.append(f'<text x="{LEFT - 12}" y="{y - 4:.1f}" text-anchor="end" fill="#111">{escape(g["group"])}</text>')
        out.append(f'<text x="{LEFT - 12}" y="{y + 15:.1f}" text-anchor="end" fill="#555" font-size="13">'
                   f'{g["responders"]} of {g["n"]}</text>')
        out.append(f'<line x1="{x(g["lower"]):.1f}" y1="{y:.1f}" x2="{x(g["upper"]):.1f}" y2="{y:.1f}" '
                   f'stroke="{colour}" stroke-width="3"/>')
        for end in (g["lower"], g["upper"]):
            out.append(f'<line x1="{x(end):.1f}" y1="{y - 8:.1f}" x2="{x(end):.1f}" y2="{y + 8:.1f}" '
                       f'stroke="{colour}" stroke-width="3"/>')
        out.append(f'<circle cx="{x(g["rate"]):.1f}" cy="{y:.1f}" r="7" fill="{colour}"/>')
        out.append(f'<text x="{x(g["upper"]) + 10:.1f}" y="{y + 5:.1f}" fill="#111">{percent(g["rate"])}</text>')
    out.append("</svg>")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
