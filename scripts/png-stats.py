#!/usr/bin/env python3
"""Crops a screenshot's blank bottom and reports what was drawn, with the standard library only.

usage: png-stats.py IN.png [OUT.png]
Prints one JSON object: width, height (after cropping trailing all-white rows), non_white (fraction
of pixels that are not white) and colours (counts of pixels near each Okabe-Ito series colour), so a
test can tell a rendered report from a blank or half-drawn page. With OUT, writes the cropped PNG.
"""
import json, struct, sys, zlib

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG format"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]; c = prev[x - channels] if x >= channels else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return width, channels, rows

def write_png(path, width, channels, rows):
    raw = b"".join(b"\x00" + r for r in rows)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
    colour = 2 if channels == 3 else 6
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, colour, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))

width, channels, rows = read_png(sys.argv[1])
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
