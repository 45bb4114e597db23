"""An article as the text a reader's Ctrl-F sees on its page: title, then its labels (category,
tags, authors, editor and reviewer, written summary), then the body's words, one block to a
line, with where each heading starts.

The index and the excerpts are both cut from this one string, so a position found in the index
is a position in the excerpt's text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_HEADING = re.compile(r'<h[2-6][^>]*?\sid="([^"]*)"[^>]*>')
_BLOCK = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|blockquote|figure|figcaption|table|thead|tbody|tr|td|th|pre|div|section|aside|dl|dt|dd|hr|br)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_BREAKS = re.compile(r"\s*\n\s*")
_MARK = re.compile("\x01([^\x02]*)\x02")


@dataclass(frozen=True, slots=True)
class Searchable:
    text: str  # title, a line of labels, then the body
    body_start: int  # where the body begins in ``text``
    headings: tuple[tuple[int, str], ...]  # (position in ``text``, heading id)


def searchable(title: str, labels: list[str], body_html: str) -> Searchable:
    """``labels``: category, tags, people and a written summary, as the page shows them."""
    head = f"{title}\n{' '.join(x for x in labels if x)}\n"
    marked = _HEADING.sub(lambda m: "\n\x01" + m[1] + "\x02", body_html)
    plain = html.unescape(_TAG.sub("", _BLOCK.sub("\n", marked)))
    plain = _BREAKS.sub("\n", plain).strip()
    pieces, headings, at = [], [], len(head)
    last = 0
    for m in _MARK.finditer(plain):
        pieces.append(plain[last : m.start()])
        at += m.start() - last
        headings.append((at, m[1]))  # (unescaped with the rest)
        last = m.end()
    pieces.append(plain[last:])
    return Searchable(head + "".join(pieces), len(head), tuple(headings))
