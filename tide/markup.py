"""The one configured Python-Markdown: figures with captions, pull quotes, heading ids, source links.

Converting a body depends only on its text, so the result can be cached and shipped between
processes: links to other sources become ``tide:<path in content/>`` placeholders that ``site``
swaps for final URLs once every page's URL is known.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from urllib.parse import unquote, urlsplit

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor

from .cjk import count_words, curl_quotes, heading_id
from .config import resolve_ref
from .fastmarkdown import FastMarkdown
from .rendered import CODE_CSS_CLASS, LINK_SCHEME, Heading, Rendered, SourceLink

_STASH = re.compile("\x02[^\x03]*\x03")
_ATTRIBUTION = ("——", "—", "--")


class Converter:
    """Markdown -> Rendered; one instance is reused for every body (building one is costly)."""

    def __init__(self) -> None:
        self._links: list[tuple[str, str, str | None]] = []
        self._source_dir = ""
        self._stats: tuple[str, int, int] = ("", 0, 0)
        self._headings: list[Heading] = []
        self._has_quotes = False
        self._no_alt: list[str] = []
        self.md = FastMarkdown(  # extensions as objects: names are looked up in every installed package's metadata
            extensions=[
                TableExtension(),
                FootnoteExtension(BACKLINK_TITLE="返回正文第 %d 处", SUPERSCRIPT_TEXT="{}"),
                FencedCodeExtension(),
                AttrListExtension(),
                SaneListExtension(),
                CodeHiliteExtension(css_class=CODE_CSS_CLASS, guess_lang=False),
                _TideExtension(self),
            ],
            output_format="html",
        )

    def convert(self, body: str, source_dir: str, body_line: int) -> Rendered:
        """Convert one body written in ``source_dir`` (a folder inside content/)."""
        self._links, self._source_dir, self._has_quotes, self._no_alt = [], source_dir, '"' in body, []
        self.md.reset()
        html = self.md.convert(body)
        first, cjk, latin = self._stats
        return Rendered(
            html=html,
            headings=tuple(h for h in self._headings if h.level in (2, 3)),
            links=tuple(_locate(self._links, body, body_line)),
            first_paragraph=first,
            cjk_chars=cjk,
            latin_words=latin,
            has_code=f'class="{CODE_CSS_CLASS}"' in html,
            images_without_alt=tuple(link.line for link in _locate([(src, "image", None) for src in self._no_alt], body, body_line)),
        )

    def record_link(self, written: str, kind: str) -> str | None:
        """Note a local link or image; return the placeholder to put in the HTML."""
        parts = urlsplit(written)
        target = resolve_ref(unquote(parts.path), self._source_dir)
        self._links.append((written, kind, target))
        if target is None:
            return None
        return LINK_SCHEME + target + (f"#{parts.fragment}" if parts.fragment else "")


def is_local(url: str) -> bool:
    """True for a path to one of our own files; False for web links, anchors and mail."""
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith("#") or not parts.path)


class _TideExtension(Extension):
    def __init__(self, converter: Converter) -> None:
        super().__init__()
        self.converter = converter

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's name)
        md.treeprocessors.register(_Figures(md), "tide-figures", 7)
        md.treeprocessors.register(_PullQuotes(md), "tide-pullquotes", 6.9)
        md.treeprocessors.register(_ScrollTables(md), "tide-tables", 6.8)
        md.treeprocessors.register(_SourceLinks(md, self.converter), "tide-links", 6.7)
        md.treeprocessors.register(_Quotes(md, self.converter), "tide-quotes", 6.6)
        md.treeprocessors.register(_HeadingIds(md, self.converter), "tide-heading-ids", 5)
        md.treeprocessors.register(_Stats(md, self.converter), "tide-stats", -1)


class _Figures(Treeprocessor):
    """A paragraph holding one image becomes a figure; the image's title is its caption."""

    def run(self, root: etree.Element) -> None:
        for p in root.iter("p"):
            if len(p) == 1 and p[0].tag == "img" and not (p.text or "").strip() and not (p[0].tail or "").strip():
                img = p[0]
                p.tag, p.text, img.tail = "figure", None, None
                title = img.attrib.pop("title", None)
                if title:
                    etree.SubElement(p, "figcaption").text = title


class _PullQuotes(Treeprocessor):
    """A quote whose last paragraph starts with '——' becomes a pull quote with its source."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for i, quote in enumerate(list(parent)):
                if quote.tag != "blockquote":
                    continue
                last = quote[-1] if len(quote) else None
                text = (last.text or "").strip() if last is not None and last.tag == "p" else ""
                if len(quote) < 2 or not text.startswith(_ATTRIBUTION) or last is None:
                    quote.set("class", "pullquote")
                    continue
                figure = etree.Element("figure", {"class": "pullquote"})
                parent.remove(quote)
                parent.insert(i, figure)
                figure.tail, quote.tail = quote.tail, None
                quote.remove(last)
                figure.append(quote)
                last.tag = "figcaption"
                figure.append(last)


class _ScrollTables(Treeprocessor):
    """Wide tables scroll sideways on a phone instead of breaking the page."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for i, table in enumerate(list(parent)):
                if table.tag == "table":
                    wrap = etree.Element("div", {"class": "table-scroll", "tabindex": "0", "role": "region", "aria-label": "表格"})
                    parent.remove(table)
                    parent.insert(i, wrap)
                    wrap.tail, table.tail = table.tail, None
                    wrap.append(table)


class _Quotes(Treeprocessor):
    """Straight double quotes become “ ” in each block of text; code is left as written."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "figcaption", "dt", "dd"}
    VERBATIM = {"code", "pre", "kbd", "samp", "script", "style"}

    def __init__(self, md: markdown.Markdown, converter: Converter) -> None:
        super().__init__(md)
        self.converter = converter

    def run(self, root: etree.Element) -> None:
        if not self.converter._has_quotes or not any('"' in text for text in root.itertext()):
            return  # most bodies use “ ” already (their straight quotes are in image titles): skip the walk
        for block in root.iter():
            if block.tag in self.BLOCKS:
                slots = self._slots(block)
                for (node, attr), text in zip(slots, curl_quotes([getattr(n, a) or "" for n, a in slots]), strict=True):
                    setattr(node, attr, text)

    def _slots(self, el: etree.Element) -> list[tuple[etree.Element, str]]:
        """The text and tail attributes of a block, in reading order, skipping code."""
        found = [(el, "text")] if el.tag not in self.VERBATIM else []
        for child in el:
            if child.tag not in self.BLOCKS:
                found += self._slots(child)
            found.append((child, "tail"))
        return found


class _HeadingIds(Treeprocessor):
    """Every heading gets a readable id, unique in the page; an id the writer set is kept."""

    HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

    def __init__(self, md: markdown.Markdown, converter: Converter) -> None:
        super().__init__(md)
        self.converter = converter

    def run(self, root: etree.Element) -> None:
        used = {el.get("id") for el in root.iter() if el.get("id")}
        headings = []
        for el in root.iter():
            level = self.HEADINGS.get(el.tag) if isinstance(el.tag, str) else None
            if level is None:
                continue
            text = _STASH.sub("", "".join(el.itertext())).strip()
            if not el.get("id"):
                el.set("id", _unique(heading_id(text), used))
            headings.append(Heading(level, el.get("id") or "", text))
        self.converter._headings = headings


def _unique(candidate: str, used: set[str | None]) -> str:
    """``背景``, then ``背景_1``, ``背景_2``: the scheme Python-Markdown's toc uses, kept for old links."""
    found, n = candidate, 0
    while found in used:
        n += 1
        found = f"{candidate}_{n}"
    used.add(found)
    return found


class _SourceLinks(Treeprocessor):
    def __init__(self, md: markdown.Markdown, converter: Converter) -> None:
        super().__init__(md)
        self.converter = converter

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if el.tag == "img":
                el.set("loading", "lazy")  # pictures of our own get their final attributes in site.Links
                el.set("decoding", "async")
                if not el.get("alt", "").strip():
                    self.converter._no_alt.append(el.get("src", ""))
            attr = "href" if el.tag == "a" else "src" if el.tag == "img" else None
            value = el.get(attr) if attr else None
            if attr and value and is_local(value):
                placeholder = self.converter.record_link(value, "link" if attr == "href" else "image")
                el.set(attr, placeholder or value)


class _Stats(Treeprocessor):
    """Plain text facts for summaries and reading time, taken from the finished tree."""

    def __init__(self, md: markdown.Markdown, converter: Converter) -> None:
        super().__init__(md)
        self.converter = converter

    def run(self, root: etree.Element) -> None:
        first = next((text for p in root if p.tag == "p" and (text := _text(p))), "")
        cjk, latin = count_words("".join(root.itertext()))
        for mark in root.iter("sup"):  # footnote numbers are not words
            marks = count_words("".join(mark.itertext()))
            cjk, latin = cjk - marks[0], latin - marks[1]
        self.converter._stats = (first, cjk, latin)


def _text(el: etree.Element) -> str:
    parts: list[str] = []

    def walk(node: etree.Element) -> None:
        if node.get("class") in ("footnote-ref", "footnote-backref", "toc"):
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(el)
    return _STASH.sub("", "".join(parts)).strip()


def _locate(links: list[tuple[str, str, str | None]], body: str, body_line: int) -> list[SourceLink]:
    """Find the line of each link in the source text; Python-Markdown keeps no positions."""
    lines = body.split("\n")
    found: list[SourceLink] = []
    start: dict[str, int] = {}
    for written, kind, target in links:
        line_no = next((i for i in range(start.get(written, 0), len(lines)) if written in lines[i]), None)
        if line_no is None:
            line_no = next((i for i, text in enumerate(lines) if written in text), 0)
        start[written] = line_no + 1
        found.append(SourceLink(written, kind, target, body_line + line_no))
    return found
