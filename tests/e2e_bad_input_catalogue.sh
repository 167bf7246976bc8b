#!/usr/bin/env bash
# docs/bad-input.md stays true: every message it quotes must appear, word
# for word, in the test it names (placeholders such as <file> excepted),
# and every test it names must exist.
set -u
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" - "$RB_SOURCE_DIR" <<'PY'
import os, re, sys

src = sys.argv[1]
doc = open(os.path.join(src, "docs", "bad-input.md"), encoding="utf-8").read()

def c_strings(text):
    """The text of a C file with adjacent string literals joined and
    escapes undone, so that a message split over lines reads whole."""
    out, literals = [], []
    pos = 0
    pattern = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
    for m in pattern.finditer(text):
        gap = text[pos:m.start()]
        if literals and gap.strip() == "":
            literals.append(m.group(1))
        else:
            if literals:
                out.append("".join(literals))
            literals = [m.group(1)]
        pos = m.end()
    if literals:
        out.append("".join(literals))
    joined = "\n".join(out)
    return (joined.replace('\\"', '"').replace("\\t", "\t")
            .replace("\\n", "\n").replace("\\\\", "\\"))

cache = {}
def test_text(name):
    if name not in cache:
        path = os.path.join(src, "tests", name)
        text = open(path, encoding="utf-8", errors="replace").read()
        if name.endswith(".c"):
            text = c_strings(text)
        else:
            text = text.replace('\\"', '"')
        cache[name] = text
    return cache[name]

checked = failed = 0
for line in doc.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 3 or not cells[2].startswith("`"):
        continue
    test = cells[2].strip("`")
    if not os.path.exists(os.path.join(src, "tests", test)):
        print("FAIL: %s: no such test" % test)
        failed += 1
        continue
    m = re.match(r"`([^`]*)`", cells[1])
    if not m:
        continue        # described in words, not quoted
    message = m.group(1)
    text = test_text(test)
    for part in re.split(r"<[a-z][a-z ']*>", message):
        part = part.strip().lstrip(":").strip()
        if len(part) >= 3 and part not in text:
            print("FAIL: %s does not hold %r (from %r)" % (test, part,
                                                           message))
            failed += 1
    checked += 1
print("%d catalogue entries checked, %d failures" % (checked, failed))
sys.exit(1 if failed or checked < 50 else 0)
PY
