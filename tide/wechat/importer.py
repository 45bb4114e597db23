"""``build.py import``: WeChat articles (copied text or saved pages) -> articles in content/.

One file at a time: read it, find its blocks, place its pictures, write the Markdown, check the
new file as a build would (front matter, Markdown, every picture readable), and report what is
left for the editor. Nothing is written until all of that passed; a failure leaves content/ as
it was. The same article imported again is found by its source URL, or its title and date.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..cjk import slugify
from ..config import SiteConfig
from ..content import SLUG, find_sources, parse_document
from ..errors import ErrorList
from ..markup import Converter
from .blocks import Block, Picture, to_markdown
from .page import parse_page
from .parsed import NotAnArticle, Parsed
from .pictures import Fetcher, kind_of
from .rules import Rules
from .text import decode, parse_text

READABLE = (".txt", ".html", ".htm")
PICTURES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    title: str | None = None
    date: datetime | None = None  # naive: in the site's timezone
    slug: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    images: Path | None = None  # pictures for a text file's credits, in file-name order
    dry_run: bool = False
    update: bool = False


@dataclass(slots=True)
class Outcome:
    """One imported file, as the report shows it."""

    source: Path
    status: str = "failed"  # "written", "updated", "exists", "failed", "dry run"
    target: Path | None = None
    messages: list[str] = field(default_factory=list)  # what is left for the editor, each with its place
    markdown: str = ""


def files_to_import(paths: list[Path]) -> list[Path]:
    """The files named, and the readable files inside the folders named, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE and not any(part.endswith("_files") for part in p.parts))
        else:
            found.append(path)
    return found


class Importer:
    def __init__(self, root: Path, config: SiteConfig, options: ImportOptions) -> None:
        self.root, self.content, self.config, self.options = root, root / "content", config, options
        self.rules = Rules.from_settings(config.tools.get("import"))
        self.fetcher = Fetcher()
        self.converter = Converter()
        self.known = _Known(self.content)

    def run(self, source: Path) -> Outcome:
        outcome = Outcome(source)
        try:
            self._import(source, outcome)
        except NotAnArticle as refused:
            outcome.status = "failed"
            outcome.messages.insert(0, f"{_shown(source, self.root)}: {refused}")
        return outcome

    def _import(self, source: Path, outcome: Outcome) -> None:
        parsed = self._read(source)
        options = self.options
        title = options.title or parsed.title
        if not title:
            raise NotAnArticle("no title found; give one with --title")
        date = options.date or parsed.date
        if date is None:
            raise NotAnArticle("no publish time found; give one with --date 'YYYY-MM-DD HH:MM'")
        same = self.known.same_article(parsed.source, title, date)
        if same is not None and not options.update:
            outcome.status, outcome.target = "exists", same
            outcome.messages.append(f"already imported as {_shown(same, self.root)} (rerun with --update to rewrite it)")
            return
        slug = options.slug or (self.known.slug_of(same) if same else None) or slugify(title) or "untitled"
        if not SLUG.match(slug):
            raise NotAnArticle(f"slug '{slug}' may use only letters, digits, '-', '_' and '.'; give one with --slug")
        target = same or self.content / "articles" / f"{date:%Y}" / f"{slug}.md"
        holder = self.known.by_slug.get(slug)
        if holder is not None and holder != same:
            raise NotAnArticle(f"slug '{slug}' is already used by {_shown(holder, self.root)}, another article; give this one --slug")
        if same is None and target.exists():
            raise NotAnArticle(f"{_shown(target, self.root)} already exists; give this article another --slug")
        while parsed.blocks and parsed.blocks[-1].kind == "hr":  # the rule before the account's boilerplate, which is gone
            parsed.blocks.pop()
        media = self._pictures(parsed.blocks, slug, outcome)
        body, figure_lines = to_markdown(parsed.blocks)
        head = _front_matter(title, date, slug, parsed, options)
        text = head + body
        offset = head.count("\n")
        outcome.markdown, outcome.target = text, target
        self._report(parsed, figure_lines, offset, target, outcome)
        problems, warnings = self._check(text, target, media)
        outcome.messages += warnings
        if problems:
            outcome.messages += problems
            raise NotAnArticle("not written: the article would not build (above)")
        if options.dry_run:
            outcome.status = "dry run"
            return
        _write_all(target, text, media)
        self.known.add(target, slug, parsed.source, title, date)
        outcome.status = "updated" if same else "written"

    def _read(self, source: Path) -> Parsed:
        if not source.is_file():
            raise NotAnArticle("no such file")
        data = source.read_bytes()
        suffix = source.suffix.lower()
        if suffix in (".html", ".htm"):
            return parse_page(data, source, self.rules, self.config.timezone)
        if suffix != ".txt":
            raise NotAnArticle("neither a .txt file (text copied out of WeChat) nor an .html page saved from a browser")
        if b"\0" in data[:4096]:
            raise NotAnArticle("a binary file, not text copied out of WeChat")
        text, how = decode(data)
        images = sorted(str(p) for p in self.options.images.iterdir() if p.suffix.lower() in PICTURES) if self.options.images else []
        parsed = parse_text(text, self.rules, images)
        figures = sum(b.kind == "figure" for b in parsed.blocks)
        if self.options.images and len(images) < figures:
            raise NotAnArticle(
                f"{figures} picture credits, but only {len(images)} pictures in {self.options.images}; "
                "add the missing ones, or leave out --images to import with placeholders"
            )
        if how:
            parsed.notes.append(how)
        if not [b for b in parsed.blocks if b.kind == "p"]:
            raise NotAnArticle("no paragraphs of text: not an article copied out of WeChat")
        return parsed

    def _pictures(self, blocks: list[Block], slug: str, outcome: Outcome) -> dict[str, bytes]:
        """Each figure's picture as content/media/<slug>/NN.ext (new files, by path), or why it has none."""
        media: dict[str, bytes] = {}
        number = 0
        for block in blocks:
            if block.kind != "figure" or block.picture is None:
                continue
            number += 1
            picture = block.picture
            data, why = self._bytes(picture)
            kind = kind_of(data) if data else None
            if data and kind is None:
                why = f"{picture.file} is not a JPEG, PNG, GIF or WebP picture"
            if kind is None or data is None:
                picture.missing = f"图 {number}, content/media/{slug}/{number:02d}.jpg ({why or 'no picture for this credit'})"
                continue
            rel = f"media/{slug}/{number:02d}.{kind}"
            media[rel] = data
            picture.target = f"/{rel}"
        return media

    def _bytes(self, picture: Picture) -> tuple[bytes | None, str]:
        why = ""
        if picture.url:
            data, why = self.fetcher.fetch(picture.url)
            if data is not None and kind_of(data):
                return data, ""
            if data is not None:
                why = "the server sent something that is not a picture (WeChat's 'not allowed' placeholder?)"
        if picture.file:
            return Path(picture.file).read_bytes(), ""
        if not picture.url and not picture.missing:
            return None, "--images has no picture left for this credit" if self.options.images else "text has no pictures: give them with --images DIR"
        return None, why or picture.missing

    def _report(self, parsed: Parsed, figure_lines: dict[int, int], offset: int, target: Path, outcome: Outcome) -> None:
        shown = _shown(target, self.root)
        for note in parsed.notes:
            outcome.messages.append(f"{_shown(outcome.source, self.root)}: {note}")
        for i, block in enumerate(parsed.blocks):
            if block.kind == "figure" and block.picture is not None and not block.picture.target:
                outcome.messages.append(f"{shown}:{offset + figure_lines[i]}: picture to supply: {block.picture.missing}")
        for line, text, why in parsed.dropped:
            where = f"{_shown(outcome.source, self.root)}:{line}" if line else _shown(outcome.source, self.root)
            outcome.messages.append(f"{where}: dropped ({why}): {text}")

    def _check(self, text: str, target: Path, media: dict[str, bytes]) -> tuple[list[str], list[str]]:
        """(problems, warnings) of the new file checked as a build checks it: its front matter and
        body; pictures were read already. Links to pictures are to files this import writes."""
        errors, warnings = ErrorList(self.root), []
        doc = parse_document(text.encode(), target, self.content, self.config.timezone, errors)
        if doc is not None:
            rendered = self.converter.convert(doc.body, doc.source_dir, doc.body_line)
            shown = _shown(target, self.root)
            for line in rendered.images_without_alt:  # (a warning in a build too: the import is fine, the editor should still write one)
                warnings.append(f"{shown}:{line}: picture without alt text: write what it shows between the brackets")
            for link in rendered.links:
                if link.target is None or not (link.target in media or (self.content / link.target).is_file()):
                    errors.add(target, link.line, f"'{link.written}' is not a file in content/")
        return [str(e) for e in errors.errors], warnings


class _Known:
    """The articles already in content/: by slug, source URL, and title with date."""

    def __init__(self, content: Path) -> None:
        self.by_slug: dict[str, Path] = {}
        self.by_source: dict[str, Path] = {}
        self.by_title: dict[tuple[str, str], Path] = {}
        self.slugs: dict[Path, str] = {}
        for path in find_sources(content):
            head = path.read_text(encoding="utf-8", errors="replace")[:3000].split("\n---", 1)[0]
            fields = dict(re.findall(r"(?m)^(title|date|slug|source):\s*(.*?)\s*$", head))
            slug = _unquote(fields.get("slug", "").split("#")[0].strip()) or path.stem
            self.add(path, slug, _unquote(fields.get("source", "")), _unquote(fields.get("title", "")), _unquote(fields.get("date", ""))[:16])

    def add(self, path: Path, slug: str, source: str, title: str, date: datetime | str) -> None:
        self.by_slug[slug], self.slugs[path] = path, slug
        if source:
            self.by_source[source] = path
        if title and date:
            self.by_title[(title, date if isinstance(date, str) else f"{date:%Y-%m-%d %H:%M}")] = path

    def same_article(self, source: str, title: str, date: datetime) -> Path | None:
        return self.by_source.get(source) if source and source in self.by_source else self.by_title.get((title, f"{date:%Y-%m-%d %H:%M}"))

    def slug_of(self, path: Path | None) -> str | None:
        return self.slugs.get(path) if path else None


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            return str(json.loads(value)) if value[0] == '"' else value[1:-1]
        except ValueError:
            return value[1:-1]
    return value


def _front_matter(title: str, date: datetime, slug: str, parsed: Parsed, options: ImportOptions) -> str:
    lines = ["---", f"title: {_quote(title)}", f"date: {date:%Y-%m-%d %H:%M}", f"slug: {slug}"]
    if options.category:
        lines.append(f"category: {_quote(options.category)}")
    if options.tags:
        lines.append(f"tags: [{', '.join(_quote(t) for t in options.tags)}]")
    if parsed.author:
        lines.append(f"authors: [{_quote(parsed.author)}]")
    for role in ("editor", "reviewer"):
        if parsed.credits.get(role):
            lines.append(f"{role}: {_quote(parsed.credits[role])}")
    if parsed.source:
        lines.append(f"source: {_quote(parsed.source)}")
    return "\n".join([*lines, "---", "", ""])


def _quote(text: str) -> str:
    """YAML-safe: JSON strings are YAML; plain when nothing in it means something to YAML."""
    return json.dumps(text, ensure_ascii=False) if re.search(r"[:#\[\]{},&*!|>'\"%@`]|^[\s\-?]|\s$|^\d", text) else text


def _write_all(target: Path, text: str, media: dict[str, bytes]) -> None:
    """Pictures, then the article; on any failure nothing new is left behind."""
    written: list[Path] = []
    try:
        for rel, data in media.items():
            path = _content_root(target) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic(path, data)
            written.append(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic(target, text.encode())
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _content_root(target: Path) -> Path:
    for parent in target.parents:
        if parent.name == "articles":
            return parent.parent
    raise ValueError(f"{target} is not inside content/articles/")


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tide-new")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
