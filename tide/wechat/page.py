"""A saved WeChat article page (HTML) -> blocks, parsed with lxml.

The body is ``#js_content``: text in nested ``section``/``p``/``span``, bold as ``<strong>`` or
``font-weight`` in a style, headings mostly as a short paragraph of bold text, pictures as
``img[data-src]``. Each innermost block holding text is one paragraph (sibling sections are never
merged); whitespace that only indents the HTML source is not text (no space appears inside
Chinese text where the source broke a line between two spans).
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree
from lxml import html as lxml_html

from .blocks import Block, Picture, Run
from .parsed import LineSorter, NotAnArticle, Parsed
from .rules import Rules, clean
from .text import heading_shaped

BLOCK_TAGS = {"p", "section", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table", "hr", "figure", "figcaption", "pre"}
SKIP_TAGS = {"script", "style", "noscript", "iframe", "mpvoice", "mpprofile", "svg"}
BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
CJK_EDGE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def parse_page(data: bytes, page: Path, rules: Rules, timezone: ZoneInfo) -> Parsed:
    """Blocks and facts from a saved article page; ``page``: its path (for the saved pictures)."""
    try:
        tree = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        raise NotAnArticle("not an HTML page") from None
    source = data.decode("utf-8", errors="replace")
    deleted = tree.xpath("//*[contains(@class,'weui-msg__title')]")
    if any("已被发布者删除" in t.text_content() or "已删除" in t.text_content() for t in deleted):
        raise NotAnArticle("a deleted WeChat article (该内容已被发布者删除): there is nothing to import")
    body = tree.xpath("//*[@id='js_content']")
    if not body:
        if "mp.weixin.qq.com" in source or "rich_media" in source or "msg_title" in source:
            raise NotAnArticle("a WeChat post without an article body (an image-share post?): import its text instead")
        raise NotAnArticle("not a WeChat article page (no #js_content)")
    parsed = Parsed()
    parsed.title = _title(tree, source)
    parsed.date = _date(source, timezone)
    parsed.source = _first(tree, "//meta[@property='og:url']/@content") or _var(source, "msg_link")
    parsed.account = _first(tree, "//*[@id='js_name']//text()").strip() or _var(source, "nickname")
    parsed.author = _first(tree, "//meta[@name='author']/@content")
    folder = _saved_folder(page)
    _Walker(parsed, rules, folder).walk(body[0])
    return parsed


def _first(tree: etree._Element, xpath: str) -> str:
    found = tree.xpath(xpath)
    return clean(str(found[0])).strip() if found else ""


def _var(source: str, name: str) -> str:
    """A JavaScript variable of the page: ``var name = "…"`` or ``'…'`` (HTML entities decoded)."""
    found = re.search(rf"var\s+{name}\s*=\s*(['\"])(.*?)\1", source)
    return html.unescape(html.unescape(found[2])).strip() if found else ""


def _title(tree: etree._Element, source: str) -> str:
    for xpath in ("//meta[@property='og:title']/@content", "//h1[@id='activity-name']//text()", "//h2[contains(@class,'rich_media_title')]//text()"):
        found = "".join(str(t) for t in tree.xpath(xpath)) if "text()" in xpath else _first(tree, xpath)
        if clean(found).strip():
            return re.sub(r"\s+", " ", clean(found)).strip()
    return _var(source, "msg_title")


def _date(source: str, timezone: ZoneInfo) -> datetime | None:
    for name in ("ct", "create_time"):
        found = re.search(rf"(?:var\s+)?{name}\s*=\s*['\"]?(\d{{9,11}})['\"]?", source)
        if found:
            return datetime.fromtimestamp(int(found[1]), ZoneInfo("Asia/Shanghai")).astimezone(timezone).replace(tzinfo=None)
    return None


def _saved_folder(page: Path) -> Path | None:
    """The ``NAME_files/`` folder a browser writes beside a page saved "complete"."""
    for candidate in (page.with_name(page.stem + "_files"), page.with_name(page.name + "_files")):
        if candidate.is_dir():
            return candidate
    return None


class _Walker:
    def __init__(self, parsed: Parsed, rules: Rules, folder: Path | None) -> None:
        self.parsed, self.folder = parsed, folder
        self.sorter = LineSorter(parsed, rules)

    def walk(self, element: etree._Element) -> None:
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIP_TAGS:
                continue
            tag = child.tag
            if tag == "hr":
                self.blocks.append(Block("hr"))
            elif tag in ("ul", "ol"):
                items = [self.runs(li) for li in child if isinstance(li.tag, str) and li.tag == "li"]
                items = [i for i in items if "".join(r.text for r in i).strip()]
                if items:
                    self.blocks.append(Block(tag, items=items))
            elif tag == "blockquote":
                items = [r for r in (self.runs(p) for p in _leaves(child)) if "".join(x.text for x in r).strip()]
                if items:
                    self.blocks.append(Block("quote", items=items))
            elif tag == "table":
                self.table(child)
            elif tag == "img":
                self.image(child)
            elif tag == "figcaption":
                self.paragraph(child, caption=True)
            elif _has_blocks(child):
                self.walk(child)
            else:
                self.paragraph(child)

    @property
    def blocks(self) -> list[Block]:
        return self.parsed.blocks

    def table(self, table: etree._Element) -> None:
        rows = [[self.runs(cell) for cell in tr if isinstance(cell.tag, str) and cell.tag in ("td", "th")] for tr in table.iter("tr")]
        rows = [r for r in rows if r]
        if rows:
            self.blocks.append(Block("table", rows=rows))

    def image(self, img: etree._Element) -> None:
        url = img.get("data-src") or img.get("src") or ""
        if not url or url.startswith("data:"):
            return
        if not _is_figure_img(img):
            return
        self.blocks.append(Block("figure", picture=Picture(url=url, file=self.saved_copy(img))))

    def saved_copy(self, img: etree._Element) -> str:
        """The local copy of a picture in the saved page's folder, when the browser kept one."""
        src = img.get("src") or ""
        if self.folder is None or not src or src.startswith(("http:", "https:", "data:", "//")):
            return ""
        candidate = (self.folder.parent / src).resolve()
        return str(candidate) if candidate.is_file() else ""

    def paragraph(self, element: etree._Element, caption: bool = False) -> None:
        images = [i for i in element.iter("img") if (i.get("data-src") or i.get("src"))]
        for img in images:
            self.image(img)
        runs = self.runs(element)
        text = "".join(r.text for r in runs).strip()
        if not text:
            return
        if self.sorter.take(element.sourceline or 0, text, self.figure, caption):
            return
        if _is_heading(element, runs, text):
            self.blocks.append(Block("h3" if element.tag in ("h3", "h4", "h5", "h6") else "h2", [Run(text)]))
            return
        self.blocks.append(Block("p", _trim(runs)))

    def figure(self, credit: str) -> Block:
        """The picture just before a credit; without one, the picture is missing from the page."""
        last = self.blocks[-1] if self.blocks else None
        if last is not None and last.kind == "figure" and not last.credit:
            return last
        self.blocks.append(Block("figure", picture=Picture(missing="the page has no picture before this credit")))
        return self.blocks[-1]

    def runs(self, element: etree._Element) -> list[Run]:
        """The inline text of ``element`` as runs; source indentation dropped, <br> as a space-less break."""
        out: list[Run] = []
        _inline(element, out, bold=False, href="")
        return _tidy(out)


def _has_blocks(element: etree._Element) -> bool:
    return any(
        isinstance(c.tag, str) and (c.tag in BLOCK_TAGS or c.tag == "img" and _is_figure_img(c) and len(element) > 1)
        for c in element.iter()
        if c is not element
    )


def _is_figure_img(img: etree._Element) -> bool:
    """Not a thin divider picture or an icon (WeChat gives their width; under 60 pixels)."""
    width = img.get("data-w") or img.get("width") or ""
    return not (width.isdigit() and int(width) < 60)


def _leaves(element: etree._Element) -> list[etree._Element]:
    """The innermost blocks holding text (each one paragraph)."""
    if not _has_blocks(element):
        return [element]
    found: list[etree._Element] = []
    for child in element:
        if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
            found.extend(_leaves(child) if child.tag in BLOCK_TAGS else [])
    return found


def _bold(element: etree._Element) -> bool:
    return element.tag in ("strong", "b") or bool(BOLD_STYLE.search(element.get("style") or ""))


def _inline(element: etree._Element, out: list[Run], bold: bool, href: str) -> None:
    bold = bold or _bold(element)
    if element.tag == "a" and element.get("href", "").startswith(("http:", "https:")):
        href = element.get("href", "")
    if element.tag == "br":
        out.append(Run("\n", bold, href))
    elif element.text:
        out.append(Run(element.text, bold, href))
    for child in element:
        if isinstance(child.tag, str) and child.tag not in SKIP_TAGS and child.tag != "img":
            _inline(child, out, bold, href)
        if child.tail:
            out.append(Run(child.tail, bold, href))


def _tidy(runs: list[Run]) -> list[Run]:
    """Whitespace as a reader saw it: a run of source whitespace holding a line break is nothing
    beside Chinese text and one space between Latin words; zero-width characters go."""
    out: list[Run] = []
    for run in runs:  # (a <br> is a line break too: inside a WeChat paragraph it only wraps the line on a phone)
        text = clean(run.text)
        text = re.sub(r"[ \t\r\n]*\n[ \t\r\n]*", "\n", text)
        out.append(Run(text, run.bold, run.href))
    joined = "".join(r.text for r in out)
    result: list[Run] = []
    position = 0
    for run in out:
        text, start = run.text, position
        position += len(text)
        pieces = []
        for k, ch in enumerate(text):
            if ch == "\n":
                before = joined[start + k - 1] if start + k > 0 else ""
                after = joined[start + k + 1] if start + k + 1 < len(joined) else ""
                pieces.append("" if not before or not after or CJK_EDGE.match(before) or CJK_EDGE.match(after) or before == " " or after == " " else " ")
            else:
                pieces.append(ch)
        result.append(Run(re.sub(r"[ \t]{2,}", " ", "".join(pieces)), run.bold, run.href))
    return result


def _trim(runs: list[Run]) -> list[Run]:
    """Leading and trailing whitespace off the paragraph (whitespace only)."""
    while runs and not runs[0].text.strip():
        runs = runs[1:]
    while runs and not runs[-1].text.strip():
        runs = runs[:-1]
    if runs:
        runs[0] = Run(runs[0].text.lstrip(), runs[0].bold, runs[0].href)
        runs[-1] = Run(runs[-1].text.rstrip(), runs[-1].bold, runs[-1].href)
    return runs


def _is_heading(element: etree._Element, runs: list[Run], text: str) -> bool:
    """A real heading, or a short paragraph of bold text only, without end punctuation."""
    if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    return heading_shaped(text) and all(r.bold for r in runs if r.text.strip())
