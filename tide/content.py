"""Find the writers' files, split front matter from body, check every field -> Document records.

No HTML is made here; that is ``markup``'s job.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import yamldoc
from .cjk import curl_quotes, slugify
from .config import resolve_ref
from .errors import ErrorList

KINDS = {"articles": "article", "pages": "page"}
KNOWN_FIELDS = {
    "title", "date", "updated", "slug", "summary", "category", "tags", "authors",
    "editor", "reviewer", "cover", "draft", "aliases",
}  # fmt: skip
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DATE_SHAPE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class Document:
    """One article or standalone page as the writer wrote it, checked but not yet rendered."""

    kind: str  # "article" or "page"
    rel: str  # path inside content/, e.g. "articles/2025/su7.md"
    title: str
    date: datetime | None
    updated: datetime | None
    slug: str
    summary: str | None
    category: str | None
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    editor: str | None
    reviewer: str | None
    cover: str | None  # path inside content/, checked to exist
    draft: bool
    aliases: tuple[str, ...]
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line in the file
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def source_dir(self) -> str:
        return posixpath.dirname(self.rel)


def find_sources(content: Path) -> list[Path]:
    """Every article and page file, in a stable order; hidden files and folders are skipped."""
    return [Path(p) for p in source_files(content)]


def source_files(content: Path) -> list[str]:
    """The same as find_sources, as plain strings (cheaper when there are thousands)."""
    found: list[str] = []
    for folder in KINDS:
        for top, dirs, names in os.walk(content / folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [os.path.join(top, n) for n in names if n.endswith(".md") and not n.startswith(".")]
    return sorted(found)


def parse_document(raw: bytes, path: Path, content: Path, tz: ZoneInfo, errors: ErrorList) -> Document | None:
    """Check the bytes of one source file (read by the caller, who may also hash them)."""
    rel = path.relative_to(content).as_posix()
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        errors.add(path, text_line_of_byte(raw, exc.start), "not UTF-8 text; save the file as UTF-8")
        return None
    split = split_front_matter(text)
    if isinstance(split, str):
        errors.add(path, 1, split)
        return None
    front, body, body_line = split
    try:
        doc = yamldoc.parse(front, first_line=2)  # line 1 is the opening '---'
    except yamldoc.YamlProblem as exc:
        errors.add(path, exc.line, exc.message)
        return None
    if not isinstance(doc.value, dict):
        errors.add(path, 2, "front matter must be 'key: value' lines")
        return None
    fields = _Fields(path, doc, errors)
    for key, line in doc.duplicate_keys:
        errors.add(path, line, f"'{key}' is given twice")
    return fields.build(rel, body, body_line, tz)


def split_front_matter(text: str) -> tuple[str, str, int] | str:
    """Return (front matter, body, body's first line), or a message saying what is wrong."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return "no front matter: the file must start with a line '---', then 'title: ...', then '---'"
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return "front matter is not closed: add a line '---' after the last 'key: value' line"


def parse_datetime(value: Any, tz: ZoneInfo) -> datetime | str:
    """A front-matter date as an aware datetime, or a message saying what is wrong with it."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        if _DATE_SHAPE.match(text):
            return f"date '{text}' is not a real date (expected YYYY-MM-DD HH:MM)"
        return f"cannot read date '{text}' (expected YYYY-MM-DD HH:MM, e.g. 2025-03-01 20:00)"
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def text_line_of_byte(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


class _Fields:
    """Checks the front matter of one file, key by key, reporting at each key's line."""

    def __init__(self, path: Path, doc: yamldoc.YamlDoc, errors: ErrorList) -> None:
        self.path, self.raw, self.errors = path, doc.value, errors
        self.lines = dict(doc.key_lines)
        self.ok = True

    def fail(self, key: str, message: str) -> None:
        self.errors.add(self.path, self.lines.get(key, 1), message)
        self.ok = False

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, f"missing '{key}': add '{key}: ...' to the front matter")
            return None
        if isinstance(value, (dict, list, bool)):
            self.fail(key, f"'{key}' must be text, not {type(value).__name__}")
            return None
        return str(value).strip()

    def names(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(i, (str, int, float)) and str(i).strip() for i in items):
            self.fail(key, f"'{key}' must be a list of names, e.g. {key}: [小米, 京东]")
            return ()
        return tuple(dict.fromkeys(str(i).strip() for i in items))

    def when(self, key: str, tz: ZoneInfo, required: bool) -> datetime | None:
        if self.raw.get(key) in (None, ""):
            if required:
                self.fail(key, f"missing '{key}': add e.g. '{key}: 2025-03-01 20:00'")
            return None
        parsed = parse_datetime(self.raw[key], tz)
        if isinstance(parsed, str):
            self.fail(key, parsed)
            return None
        return parsed

    def build(self, rel: str, body: str, body_line: int, tz: ZoneInfo) -> Document | None:
        kind = KINDS[rel.split("/", 1)[0]]
        title = self.text("title", required=True)
        when = self.when("date", tz, required=kind == "article")
        updated = self.when("updated", tz, required=False)
        slug = self.text("slug") or _default_slug(rel)
        if not SLUG.match(slug):
            self.fail("slug", f"slug '{slug}' may use only letters, digits, '-', '_' and '.'")
        draft = self.raw.get("draft", False)
        if not isinstance(draft, bool):
            self.fail("draft", "'draft' must be true or false")
        cover = self._cover(rel)
        aliases = self.names("aliases")
        for alias in aliases:
            if not alias.startswith("/"):
                self.fail("aliases", f"alias '{alias}' must be a path on this site starting with '/'")
        doc = Document(
            kind=kind, rel=rel, title=curl_quotes([title or ""])[0], date=when, updated=updated, slug=slug,
            summary=curl_quotes([self.text("summary") or ""])[0] or None, category=self.text("category"), tags=self.names("tags"),
            authors=self.names("authors"), editor=self.text("editor"), reviewer=self.text("reviewer"),
            cover=cover, draft=draft is True, aliases=aliases, body=body, body_line=body_line, lines=self.lines,
            meta={k: v for k, v in self.raw.items() if k not in KNOWN_FIELDS},
        )  # fmt: skip
        return doc if self.ok else None

    def _cover(self, rel: str) -> str | None:
        ref = self.text("cover")
        if ref is None:
            return None
        target = resolve_ref(ref, posixpath.dirname(rel))
        content = self.path.parents[len(Path(rel).parts) - 1]
        if target is None or not (content / target).is_file():
            self.fail("cover", f"cover image '{ref}' does not exist")
            return None
        return target


def _default_slug(rel: str) -> str:
    stem = posixpath.splitext(posixpath.basename(rel))[0]
    return stem if SLUG.match(stem) else slugify(stem) or "untitled"
