#!/usr/bin/python3
"""Check chart files that rankbench plot drew.

    chart_check.py png FILE...       a valid PNG of 1200x800 pixels
    chart_check.py svg FILE...       well-formed XML, root <svg> 1200x800,
                                     no two text labels overlapping and
                                     none outside the picture

Prints one line per problem and exits 1 when there is any.

Text extents in the SVG are estimated from the advance widths of DejaVu
Sans (the font the charts ask for), in hundredths of an em.
"""

import struct
import sys
import xml.etree.ElementTree as ET
import zlib

WIDTH, HEIGHT = 1200, 800
SVG_NS = "{http://www.w3.org/2000/svg}"

# DejaVu Sans advance widths for ASCII 32..126, hundredths of an em.
ASCII_WIDTH = [
    32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53,
    100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79,
    60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50,
    50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61,
    63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
]


def text_width(text, size):
    total = 0
    for ch in text:
        c = ord(ch)
        total += ASCII_WIDTH[c - 32] if 32 <= c < 127 else 100
    return total / 100.0 * size


def check_png(path):
    problems = []
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return ["%s: not a PNG (bad signature)" % path]
    pos, chunks = 8, []
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            problems.append("%s: bad CRC in chunk %r" % (path, kind))
        chunks.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR":
        return problems + ["%s: IHDR is not the first chunk" % path]
    w, h = struct.unpack(">II", chunks[0][1][:8])
    if (w, h) != (WIDTH, HEIGHT):
        problems.append("%s: %dx%d pixels, expected %dx%d"
                        % (path, w, h, WIDTH, HEIGHT))
    if chunks[-1][0] != b"IEND":
        problems.append("%s: no IEND chunk (truncated)" % path)
    if not any(k == b"IDAT" for k, _ in chunks):
        problems.append("%s: no image data" % path)
    return problems


def parse_transform(value):
    """translate(x,y) with an optional rotate(a)."""
    x = y = angle = 0.0
    for part in value.replace(")", ")\n").splitlines():
        part = part.strip()
        if part.startswith("translate("):
            x, y = (float(v) for v in part[10:-1].split(","))
        elif part.startswith("rotate("):
            angle = float(part[7:-1])
    return x, y, angle


def label_boxes(root):
    """(text, x0, y0, x1, y1) of every text label."""
    boxes = []
    for g in root.iter(SVG_NS + "g"):
        transform = g.get("transform", "")
        if not transform.startswith("translate"):
            continue
        text = "".join(t.text or "" for t in g.iter(SVG_NS + "text"))
        if not text.strip():
            continue
        size = float(g.get("font-size", "12"))
        x, y, angle = parse_transform(transform)
        w = text_width(text, size)
        anchor = g.get("text-anchor", "start")
        start = {"start": 0.0, "middle": -w / 2, "end": -w}[anchor]
        # Along the baseline: start .. start + w; across: ascent, descent.
        a0, a1, c0, c1 = start, start + w, -0.75 * size, 0.22 * size
        if abs(angle % 360) in (90.0, 270.0):
            if angle % 360 == 270.0:
                box = (x + c0, y - a1, x + c1, y - a0)
            else:
                box = (x - c1, y + a0, x - c0, y + a1)
        else:
            box = (x + a0, y + c0, x + a1, y + c1)
        boxes.append((text,) + box)
    return boxes


def check_svg(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return ["%s: not well-formed XML: %s" % (path, e)]
    if root.tag != SVG_NS + "svg":
        return ["%s: root element is %s, not svg" % (path, root.tag)]
    problems = []
    if (root.get("width"), root.get("height")) != (str(WIDTH), str(HEIGHT)):
        problems.append("%s: size %sx%s, expected %dx%d"
                        % (path, root.get("width"), root.get("height"),
                           WIDTH, HEIGHT))
    boxes = label_boxes(root)
    if not boxes:
        problems.append("%s: no text at all" % path)
    tol = 1.0
    for text, x0, y0, x1, y1 in boxes:
        if x0 < -tol or y0 < -tol or x1 > WIDTH + tol or y1 > HEIGHT + tol:
            problems.append("%s: label %r runs off the picture "
                            "(%.0f,%.0f)-(%.0f,%.0f)"
                            % (path, text, x0, y0, x1, y1))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a[1] < b[3] - tol and b[1] < a[3] - tol and
                    a[2] < b[4] - tol and b[2] < a[4] - tol):
                problems.append("%s: labels %r and %r overlap"
                                % (path, a[0], b[0]))
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("png", "svg"):
        sys.stderr.write(__doc__)
        return 2
    check = check_png if argv[1] == "png" else check_svg
    problems = []
    for path in argv[2:]:
        problems += check(path)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
