#!/usr/bin/env python3
"""Crops a screenshot's blank bottom and reports what was drawn, with the standard library only.

usage: png-stats.py IN.png [OUT.png]
Prints one JSON object: width, height (after cropping trailing all-white rows), non_white (fraction
of pixels that are not white) and colours (counts of pixels near each Okabe-Ito series colour), so a
test can tell a rendered report from a blank or half-drawn page. With OUT, writes the cropped PNG.
"""
import json, os, struct, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngread import read_png  # noqa: E402

def write_png(path, width, channels, rows):
    raw = b"".join(b"\x00" + r for r in rows)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
    colour = 2 if channels == 3 else 6
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, colour, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))

width, _, channels, rows = read_png(open(sys.argv[1], "rb").read())
white = bytes([255] * channels) if channels == 3 else None
def blank(row):
    return all(row[x] >= 250 for x in range(len(row)) if channels == 3 or x % 4 != 3)
end = len(rows)
while end > 0 and blank(rows[end - 1]): end -= 1
rows = rows[:end]
palette = {"blue": (0x00, 0x72, 0xB2), "vermillion": (0xD5, 0x5E, 0x00), "green": (0x00, 0x9E, 0x73),
           "orange": (0xE6, 0x9F, 0x00)}
counts = {name: 0 for name in palette}
non_white = 0
for row in rows:
    for x in range(0, len(row), channels):
        r, g, b = row[x], row[x + 1], row[x + 2]
        if r < 245 or g < 245 or b < 245: non_white += 1
        for name, (pr, pg, pb) in palette.items():
            if abs(r - pr) < 24 and abs(g - pg) < 24 and abs(b - pb) < 24: counts[name] += 1
if len(sys.argv) > 2: write_png(sys.argv[2], width, channels, rows)
print(json.dumps({"width": width, "height": end, "non_white": round(non_white / max(1, width * end), 4), "colours": counts}))
