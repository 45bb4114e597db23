"""What a converted body is (``Rendered``, its headings and source links) and the code stylesheet,
apart from the converter (``markup``): a build that converts nothing (a theme edit, an unchanged
site, the preview's start) reads these back from the cache without importing Python-Markdown,
about 28 ms of every command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from pygments.formatters import HtmlFormatter

LINK_SCHEME = "tide:"  # a link to a file in content/, until its URL is known: tide:<path in content/>
CODE_CSS_CLASS = "highlight"


@dataclass(frozen=True)
class SourceLink:
    """A link or image in the body that points at a file in content/."""

    written: str  # as the writer typed it, to find its line
    kind: str  # "link" or "image"
    target: str | None  # path inside content/, None when it leaves content/
    line: int  # 1-based line in the source file


class Heading(NamedTuple):
    """A section heading (a named tuple: a saved graph reads back thousands of them per page drawn)."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """A converted body and what the theme needs to know about it."""

    html: str
    headings: tuple[Heading, ...]
    links: tuple[SourceLink, ...]
    first_paragraph: str
    cjk_chars: int
    latin_words: int
    images_without_alt: tuple[int, ...] = ()  # source lines
    has_code: bool = False  # highlighted code: the page needs the code stylesheet


def code_stylesheet() -> str:
    """Pygments colours for code blocks, light and dark, generated at build time."""
    light = HtmlFormatter(style="friendly").get_style_defs(f".{CODE_CSS_CLASS}")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style="monokai").get_style_defs(f".{CODE_CSS_CLASS}")  # type: ignore[no-untyped-call]
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
