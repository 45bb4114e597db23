"""What a reader (``text``, ``page``) found in an article, and the lines both readers sort the
same way: the editors' credit line, boilerplate, the recommended-reading tail, picture credits,
captions and dividers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .blocks import Block
from .rules import Rules, editor_credit, is_caption, is_divider


class NotAnArticle(ValueError):
    """The file is not something the importer can read as an article."""


@dataclass(slots=True)
class Parsed:
    """What a reader found: the blocks and the facts around them."""

    title: str = ""
    date: datetime | None = None
    source: str = ""  # the original article's URL
    account: str = ""
    author: str = ""
    credits: dict[str, str] = field(default_factory=dict)  # editor, reviewer
    blocks: list[Block] = field(default_factory=list)
    dropped: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, why)
    notes: list[str] = field(default_factory=list)  # what the editor should know (how the file was read)


class LineSorter:
    """Takes the lines that are not plain text out of the reading, noting each one dropped."""

    def __init__(self, parsed: Parsed, rules: Rules) -> None:
        self.parsed, self.rules = parsed, rules
        self.in_tail = False

    def take(self, line: int, text: str, figure: Callable[[str], Block | None], caption: bool = False) -> bool:
        """True when ``text`` (at ``line`` of the source; 0: unknown) was not a paragraph of the
        article. ``figure(credit)``: the figure a picture credit belongs to, or None."""
        parsed, dropped = self.parsed, self.parsed.dropped
        if self.in_tail:
            dropped.append((line, text, "after the recommended-reading marker"))
            return True
        credits = editor_credit(text)
        if credits:
            parsed.credits.update({k: v for k, v in credits.items() if k not in parsed.credits})
            dropped.append((line, text, "the editors' credit line (now in the front matter)"))
            return True
        if self.rules.starts_tail(text):
            self.in_tail = True
            dropped.append((line, text, "recommended reading"))
            return True
        if self.rules.is_boilerplate(text):
            dropped.append((line, text, "the account's boilerplate"))
            return True
        credit = self.rules.credit(text)
        if credit:
            block = figure(credit)
            if block is not None:
                block.credit = credit
                return True
        last = parsed.blocks[-1] if parsed.blocks else None
        if (caption or is_caption(text)) and last is not None and last.kind == "figure" and not last.caption:
            last.caption = text
            return True
        if is_divider(text):
            parsed.blocks.append(Block("hr", line=line))
            dropped.append((line, text, "a divider (now a rule)"))
            return True
        return False
