"""Text copied out of WeChat -> blocks.

Each non-empty line is a paragraph (WeChat puts one paragraph on a line and blank lines between
them, often two or three): lines are never joined or split. A picture left only its credit line
behind; a section heading is a short line without end punctuation set apart from its neighbours.
"""

from __future__ import annotations

import re
from datetime import datetime

from .blocks import Block, Picture, Run
from .parsed import LineSorter, NotAnArticle, Parsed
from .rules import Rules, clean

END_PUNCTUATION = tuple("。！？!?；;，,、：:…”’\"'）)》」』】")
HEADING_MAX = 30  # characters: a longer line is a paragraph
LIST_ITEM = re.compile(r"^(?:[•·▪◦]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）])\s*\S")
META_LINE = re.compile(r"^(原创\s|.*\d{4}年\d{1,2}月\d{1,2}日\s+\d{1,2}:\d{2})")
META_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s+(\d{1,2}):(\d{2})")


def decode(data: bytes) -> tuple[str, str]:
    """(text, how it was read): UTF-8 (with or without a BOM), else GB18030, else a refusal."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "not UTF-8: read as GB18030 (check the text)"
    except UnicodeDecodeError:
        raise NotAnArticle("neither UTF-8 nor GB18030 text; save it as UTF-8 and import again") from None


def parse_text(text: str, rules: Rules, images: list[str] | None = None) -> Parsed:
    """Blocks from copied text; ``images``: local pictures for the credits, in order."""
    parsed = Parsed()
    lines = [(n, clean(raw).strip()) for n, raw in enumerate(text.splitlines(), 1)]
    if not any(t for _, t in lines):
        raise NotAnArticle("the file is empty")
    gaps = _gaps(lines)
    present = [(n, t) for n, t in lines if t]
    pictures = list(images or [])
    sorter = LineSorter(parsed, rules)

    def figure(credit: str) -> Block:  # in copied text a credit is all that is left of its picture
        block = Block("figure", picture=Picture(file=pictures.pop(0)) if pictures else Picture(), line=n)
        parsed.blocks.append(block)
        return block

    first = True
    for i, (n, line) in enumerate(present):
        if first:
            parsed.title, first = line, False  # WeChat's copy starts with the title
            continue
        if not sorter.in_tail and META_LINE.match(line) and not parsed.blocks:
            found = META_DATE.search(line)
            if found and parsed.date is None:
                year, month, day, hour, minute = map(int, found.groups())
                parsed.date = datetime(year, month, day, hour, minute)
            parsed.dropped.append((n, line, "the account's byline (author, date)"))
            continue
        if sorter.take(n, line, figure):
            continue
        following = present[i + 1][1] if i + 1 < len(present) else ""
        if _is_heading(line, gaps.get(n, (0, 0)), following, rules):
            parsed.blocks.append(Block("h2", [Run(line)], line=n))
            continue
        parsed.blocks.append(Block("p", [Run(line)], line=n))
    return parsed


def _gaps(lines: list[tuple[int, str]]) -> dict[int, tuple[int, int]]:
    """Blank lines before and after each non-empty line."""
    gaps: dict[int, tuple[int, int]] = {}
    present = [i for i, (_, t) in enumerate(lines) if t]
    for k, i in enumerate(present):
        before = i - present[k - 1] - 1 if k else i
        after = present[k + 1] - i - 1 if k + 1 < len(present) else 0
        gaps[lines[i][0]] = (before, after)
    return gaps


def heading_shaped(text: str) -> bool:
    """Short, and no sentence in it: what a heading looks like in either reader."""
    return len(text) <= HEADING_MAX and not text.endswith(END_PUNCTUATION) and not any(c in text for c in "。！？；")


def _is_heading(line: str, gap: tuple[int, int], following: str, rules: Rules) -> bool:
    """A short line without end punctuation, set apart (an extra blank line, or followed by a
    longer paragraph), that is not a list item, a credit or a caption."""
    if not heading_shaped(line):
        return False
    if LIST_ITEM.match(line) or not following or rules.credit(following) is not None:
        return False
    return max(gap) >= 2 or len(following) > 2 * len(line)
