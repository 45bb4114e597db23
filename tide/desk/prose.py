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
# A link's or image's target, with its title (group 1: shown as a figure's caption, so it is prose).
TARGET = re.compile(r"\]\(\s*(?:<[^>]*>|[^\s)]+)(?:\s+\"([^\"]*)\")?\s*\)")
INLINE = re.compile(
    r"(`+)(?:(?!\1).)+?\1"  # inline code
    r"|<!--.*?-->|</?[A-Za-z][^>]*>"  # HTML
    r"|\{[:#.][^}]*\}"  # attribute lists and heading ids
    r"|(?:https?|ftp)://[!-~]+|www\.[!-~]+|[\w.+-]+@[\w-]+\.[\w.]+"  # bare addresses (trailing punctuation given back below)
)
TRAILING = ".,:;?!)'\""


def prose_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(index in ``lines``, the line masked) for every line of the body outside code blocks."""
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


def mask(line: str) -> str:
    """One line with its code, tags, targets and addresses masked."""
    chars = list(line)

    def hide(start: int, end: int) -> None:
        chars[start:end] = MASK * (end - start)

    for m in TARGET.finditer(line):
        if m.group(1) is None:
            hide(m.start() + 1, m.end())
        else:  # keep the title: a figure's caption
            hide(m.start() + 1, m.start(1))
            hide(m.end(1), m.end())
    for m in INLINE.finditer(line):
        end = m.end()
        if m.group(0)[0] not in "`<{":
            while end > m.start() and line[end - 1] in TRAILING:
                end -= 1
        hide(m.start(), end)
    return "".join(chars)
