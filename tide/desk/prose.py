"""The words of a Markdown body as a reader sees them, line by line, with everything else masked:
code (fenced and inline), HTML tags and comments, link and image targets, reference definitions,
attribute lists, bare URLs. A masked character becomes ``MASK`` so that columns stay columns (a
finding's place and a fix's place are the source's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MASK = "\x00"
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
BLOCKS = re.compile(r"^\s{0,3}(?:`{3,}|~{3,}|\[[^\]]+\]:)", re.MULTILINE)  # a body with a fence or a reference takes the long way
# A link's or image's target, with its title (group 1: shown as a figure's caption, so it is prose).
# (Every pattern stays inside a line: a whole body is masked in one pass.)
TARGET = re.compile(r"\]\([ \t]*(?:<[^>\n]*>|[^\s)]+)(?:[ \t]+\"([^\"\n]*)\")?[ \t]*\)")
# Each kind apart, looked for only when its marker is in the text (one pattern of all of them made
# the scan try every alternative at every character: 2.3 s over 10,000 bodies, against 0.2 s).
INLINE = (
    ("`", re.compile(r"(`+)(?:(?!\1).)+?\1")),  # inline code
    ("<", re.compile(r"<!--.*?-->|</?[A-Za-z][^>\n]*>")),  # HTML
    ("{", re.compile(r"\{[:#.][^}\n]*\}")),  # attribute lists and heading ids
    ("://", re.compile(r"[a-z]+://[!-~]+")),  # addresses (trailing punctuation given back below)
    ("www.", re.compile(r"www\.[!-~]+")),
    ("@", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.]+")),
)
TRAILING = ".,:;?!)'\""


def prose_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(index in ``lines``, the line masked) for every line of the body outside code blocks."""
    text = "\n".join(lines)
    if not (BLOCKS.search(text) or "<!--" in text):  # (the common body: masked whole, in one pass)
        return list(enumerate(mask(text).split("\n")))
    return list(_line_by_line(lines))


def _line_by_line(lines: list[str]) -> Iterator[tuple[int, str]]:
    fence = ""
    comment = False
    for i, line in enumerate(lines):
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence) and not line.strip(" `~"):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        if comment:  # inside an HTML comment that spans lines
            end = line.find("-->")
            if end < 0:
                continue
            comment = False
            line = MASK * (end + 3) + line[end + 3 :]
        if REFERENCE.match(line):
            continue
        masked = mask(line)
        start = masked.find("<!--")
        if start >= 0:  # (one that ends on this line was masked already)
            masked, comment = masked[:start] + MASK * (len(masked) - start), True
        yield i, masked


def lines_of(text: str, pattern: re.Pattern[str]) -> set[int]:
    """The indices of the lines of ``text`` where ``pattern`` matches (one scan of the whole text)."""
    found: set[int] = set()
    line, at = 0, 0
    for m in pattern.finditer(text):
        line += text.count("\n", at, m.start())
        at = m.start()
        found.add(line)
    return found


MAY_HIDE = re.compile(r"[\]`<{@]|://|www\.")  # (most lines of prose have none of these: they are returned as they are)


def mask(line: str) -> str:
    """Text (a line, or lines) with its code, tags, targets and addresses masked."""
    if not MAY_HIDE.search(line):
        return line
    spans = []
    for m in TARGET.finditer(line):
        if m.group(1) is None:
            spans.append((m.start() + 1, m.end()))
        else:  # keep the title: a figure's caption
            spans += [(m.start() + 1, m.start(1)), (m.end(1), m.end())]
    for marker, pattern in INLINE:
        if marker not in line:
            continue
        for m in pattern.finditer(line):
            end = m.end()
            if marker not in "`<{":
                while end > m.start() and line[end - 1] in TRAILING:
                    end -= 1
            spans.append((m.start(), end))
    pieces, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end > start:
            pieces += [line[at:start], MASK * (end - start)]
            at = end
    pieces.append(line[at:])
    return "".join(pieces)
