"""An imported article as blocks, and the blocks as our Markdown.

Both readers (copied text, a saved page) produce the same blocks; only here do they become
Markdown. Inline text arrives as runs of (text, bold, link): escaping happens here, once, so
that every character of the text reaches the page as written and nothing becomes markup by
accident (a ``#`` at a line's start, a ``<``, a ``*``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(slots=True)
class Run:
    text: str
    bold: bool = False
    href: str = ""


@dataclass(slots=True)
class Picture:
    """Where a figure's picture comes from: a URL, a local file, or nothing yet."""

    url: str = ""
    file: str = ""  # a local copy (the saved page's folder, --images)
    target: str = ""  # its path in content/media/, once known
    missing: str = ""  # why there is none (the report says what to supply)


@dataclass(slots=True)
class Block:
    kind: str  # "p", "h2", "h3", "figure", "quote", "ul", "ol", "table", "hr"
    runs: list[Run] = field(default_factory=list)  # p, h2, h3
    items: list[list[Run]] = field(default_factory=list)  # quote paragraphs, list items
    rows: list[list[list[Run]]] = field(default_factory=list)  # table cells
    picture: Picture | None = None  # figure
    credit: str = ""  # figure: the normalised credit ("图源:京东")
    caption: str = ""  # figure: its caption, kept as written
    line: int = 0  # where it stood in the source (text files), for the report

    def text(self) -> str:
        return "".join(r.text for r in self.runs)


_ESCAPE = re.compile(r"([\\`*_\[\]{}|])")
_LINE_START = re.compile(r"^(\s*)(?:([#>+-])|(\d+)(\.\s))")  # a heading, quote, list or rule if left as it is


def inline(runs: list[Run]) -> str:
    """Runs as Markdown inline text: bold as ``**``, links as ``[text](url)``, the rest escaped."""
    merged: list[Run] = []
    for run in runs:
        if merged and merged[-1].bold == run.bold and merged[-1].href == run.href:
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.href)
        elif run.text:
            merged.append(run)
    out = []
    for run in merged:
        text = _escape(run.text)
        if run.bold and text.strip():
            lead, core, trail = _split_space(text)
            text = f"{lead}**{core}**{trail}"
        if run.href:
            text = f"[{text}](<{run.href.replace('>', '%3E').replace(' ', '%20')}>)"
        out.append(text)
    joined = "".join(out)
    return _LINE_START.sub(_escape_start, joined, count=1) if not joined.startswith("**") else joined


def _escape_start(m: re.Match[str]) -> str:
    return f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}"


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _ESCAPE.sub(r"\\\1", text)


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core[0])
    return text[:start], core, text[start + len(core) :]


def to_markdown(blocks: list[Block]) -> tuple[str, dict[int, int]]:
    """The body, and for each figure (by its index in ``blocks``) the body line it stands on."""
    parts: list[str] = []
    lines: dict[int, int] = {}
    line = 1
    for i, block in enumerate(blocks):
        text = _block(block)
        if block.kind == "figure":
            lines[i] = line
        parts.append(text)
        line += text.count("\n") + 2
    return "\n\n".join(parts) + "\n", lines


def _block(block: Block) -> str:
    kind = block.kind
    if kind in ("h2", "h3"):
        return ("## " if kind == "h2" else "### ") + inline([Run(r.text, False, r.href) for r in block.runs])
    if kind == "p":
        return inline(block.runs)
    if kind == "hr":
        return "* * *"
    if kind == "quote":
        return "\n>\n".join("> " + inline(item) for item in block.items)
    if kind in ("ul", "ol"):
        return "\n".join((f"{n}. " if kind == "ol" else "- ") + inline(item) for n, item in enumerate(block.items, 1))
    if kind == "table":
        return _table(block.rows)
    if kind == "figure":
        return _figure(block)
    raise ValueError(f"unknown block kind {kind!r}")


def _figure(block: Block) -> str:
    picture = block.picture or Picture()
    title = block.credit or block.caption
    caption = f"\n\n{inline([Run(block.caption)])}" if block.credit and block.caption else ""
    if not picture.target:  # nothing to show yet: the credit stays as written, marked for the editor
        note = f"<!-- 待补图片：{picture.missing} -->\n\n"
        return note + inline([Run(title)]) + caption if title else note.rstrip()
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return f"![]({picture.target}" + (f' "{quoted}"' if title else "") + ")" + caption


def _table(rows: list[list[list[Run]]]) -> str:
    width = max(len(r) for r in rows)
    cells = [[inline(c).replace("\n", " ") for c in row] + [""] * (width - len(row)) for row in rows]
    head, *body = cells
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)
