"""The editorial rules, over a site as a build would see it (``Builder.survey``): each returns
findings with the file and line an editor opens."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from ..cjk import summarize
from ..content import Document
from ..images import Media
from ..pipeline import Survey
from ..processes import may_fork
from ..rendered import Rendered
from .findings import Finding, Settings
from .prose import FENCE, lines_of, prose_lines
from .punctuation import ANY, Mark, marks

FIGURE = re.compile(r'^\s{0,3}!\[[^\]]*\]\(\s*(?:<[^>]*>|[^\s)]+)(?:\s+"([^"]*)")?\s*\)\s*$')
ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s|$)")


@dataclass(slots=True)
class Source:
    """One article or page as its file holds it, with what the build made of it."""

    rel: str  # in content/
    path: str  # relative to the project, as findings name it
    file: Path
    doc: Document
    rendered: Rendered
    _lines: list[str] | None = None
    _prose: list[tuple[int, str]] | None = None

    @property
    def lines(self) -> list[str]:
        """The whole file, read when first asked (the site-wide rules never ask)."""
        if self._lines is None:
            try:
                self._lines = self.file.read_text(encoding="utf-8").splitlines()
            except OSError:
                self._lines = []  # (gone since it was compiled)
        return self._lines

    def body(self) -> list[tuple[int, str]]:
        """(line number in the file, the body's line masked to its prose), made once."""
        if self._prose is None:
            start = self.doc.body_line - 1
            self._prose = [(start + i + 1, masked) for i, masked in prose_lines(self.lines[start:])]
        return self._prose


def sources(survey: Survey, content: Path, root: Path) -> list[Source]:
    shown = content.relative_to(root).as_posix()  # (joined as text: 10,000 Path operations took 0.4 s)
    return [Source(rel, f"{shown}/{rel}", content / rel, doc, rendered) for rel, (doc, rendered) in sorted(survey.sources.items())]


def punctuation(source: Source, settings: Settings) -> Iterator[tuple[int, Mark]]:
    """``cjk-punctuation``'s marks in a source: its title line, then its body."""
    title_line = source.doc.lines.get("title")
    if title_line:
        line = source.lines[title_line - 1]
        at = line.find(source.doc.title, line.find(":") + 1)
        if at >= 0:  # (a title written over several lines is left alone)
            text = "\x00" * at + source.doc.title + "\x00" * (len(line) - at - len(source.doc.title))
            for m in marks(text, settings.credit_words):
                yield title_line, m
    body = source.body()
    for i in sorted(lines_of("\n".join(masked for _, masked in body), ANY)):  # (most lines have nothing to look at)
        number, masked = body[i]
        for m in marks(masked, settings.credit_words):
            yield number, m


def excerpt(line: str, m: Mark) -> str:
    """A few characters either side of a mark, and the same with its fix."""
    lo, hi = max(0, m.start - 4), min(len(line), m.start + len(m.before) + 4)
    before = line[lo:hi]
    return f"'{before}' → '{line[lo : m.start] + m.after + line[m.start + len(m.before) : hi]}'"


def editorial(
    survey: Survey, all_sources: list[Source], settings: Settings, content: Path, root: Path, now: datetime, known: dict[str, list[Finding]] | None = None
) -> tuple[list[Finding], dict[str, list[Finding]]]:
    """Every rule over the whole site: (the findings, those of each source alone). ``known``: a
    source's own findings from the last check, for sources whose file has not changed since."""
    known = known or {}
    todo = [s for s in all_sources if s.rel not in known]
    each = {**{s.rel: known[s.rel] for s in all_sources if s.rel in known}, **_each_source(todo, settings, survey.config.summary_length, now)}
    found = [f for s in all_sources for f in each[s.rel]]
    by_rel = {s.rel: s for s in all_sources}
    articles = [by_rel[e.doc.rel] for e in survey.site.articles if e.doc.rel in by_rel]
    found += duplicate_titles([(s.path, s.doc.lines.get("title", 1), s.doc.title) for s in articles], settings)
    found += image_weight(survey.site.media, all_sources, settings)
    maybe = [*_orphans(survey, by_rel, settings), *_promos_scheduled(survey, settings, content, root, now)]
    return found + [f for f in maybe if f is not None], each


PARALLEL_FROM = 400  # sources; fewer are checked sooner in one process
_FORKED: tuple[list[Source], Settings, int, datetime] | None = None


def _each_source(all_sources: list[Source], settings: Settings, summary_length: int, now: datetime) -> dict[str, list[Finding]]:
    """``source_findings`` of every source, on every core when there are many (forked workers
    inherit the sources instead of receiving them; each reads its own files)."""
    global _FORKED
    jobs = os.cpu_count() or 1
    if jobs == 1 or len(all_sources) < PARALLEL_FROM or not may_fork():
        return {s.rel: source_findings(s, settings, summary_length, now) for s in all_sources}
    from multiprocessing import get_context

    _FORKED = (all_sources, settings, summary_length, now)
    step = max(50, len(all_sources) // (jobs * 4))
    try:
        with get_context("fork").Pool(jobs) as pool:
            return {rel: found for part in pool.imap(_findings_of, [(i, i + step) for i in range(0, len(all_sources), step)]) for rel, found in part}
    finally:
        _FORKED = None


def _findings_of(bounds: tuple[int, int]) -> list[tuple[str, list[Finding]]]:
    assert _FORKED is not None
    all_sources, settings, summary_length, now = _FORKED
    return [(s.rel, source_findings(s, settings, summary_length, now)) for s in all_sources[bounds[0] : bounds[1]]]


def source_findings(source: Source, settings: Settings, summary_length: int, now: datetime) -> list[Finding]:
    """The rules that need one source alone (the preview runs these on the article it shows)."""
    found: list[Finding | None] = []
    add = found.append
    for number, m in punctuation(source, settings):
        add(settings.finding(source.path, number, "cjk-punctuation", f"{m.message}: {excerpt(source.lines[number - 1], m)}"))
    found += _figures(source, settings)
    found += _headings(source, settings)
    doc = source.doc
    if doc.kind == "article" and not doc.summary:
        paragraph = " ".join(source.rendered.first_paragraph.split())
        cut = summarize(paragraph, summary_length)
        if not paragraph.startswith(cut):  # (the cut took an ellipsis: it is not at a sentence end)
            message = f"no summary: and the first paragraph is cut mid-sentence at {summary_length} characters ('…{cut[-13:-1]}'); write a summary: line"
            add(settings.finding(source.path, doc.lines.get("title", 1), "summary-missing", message))
    if doc.kind == "article" and doc.date and doc.date > now and not doc.draft:
        add(settings.finding(source.path, doc.lines.get("date", 1), "scheduled", f"goes live {doc.date:%Y-%m-%d %H:%M}"))
    return [f for f in found if f is not None]


def _figures(source: Source, settings: Settings) -> Iterator[Finding | None]:
    """An image alone in its paragraph (a figure) or a cover, without a credit."""
    word = settings.credit_words[0]
    credited: Callable[[str | None], bool] = lambda title: bool(title) and str(title).strip().startswith(settings.credit_words)  # noqa: E731
    lines, start = source.lines, source.doc.body_line - 1
    in_code = False
    for i in range(start, len(lines)):
        if FENCE.match(lines[i]):
            in_code = not in_code
        m = FIGURE.match(lines[i]) if not in_code else None
        if m and (i == start or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip()) and not credited(m.group(1)):
            yield settings.finding(source.path, i + 1, "figure-credit", f'figure without a credit: give it a title starting with {word}:, e.g. "{word}:京东"')
    if source.doc.cover and not credited(source.doc.meta.get("cover_credit")):
        yield settings.finding(source.path, source.doc.lines.get("cover", 1), "figure-credit", f'cover without a credit: add cover_credit: "{word}:…"')


def _headings(source: Source, settings: Settings) -> Iterator[Finding | None]:
    level = 1  # the title is the page's h1
    for number, masked in source.body():
        m = ATX.match(masked)
        if not m:
            continue
        n = len(m.group(1))
        if n == 1:
            yield settings.finding(source.path, number, "heading-skip", "a level-1 heading (#) in the body: the title is the page's only one; use ##")
        elif n > level + 1:
            yield settings.finding(source.path, number, "heading-skip", f"heading level {n} ({'#' * n}) after level {level}: use {'#' * (level + 1)}")
        level = n


def duplicate_titles(articles: list[tuple[str, int, str]], settings: Settings) -> list[Finding]:
    """``articles``: (path, title line, title) of every published article."""
    by_title: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path, line, title in articles:
        by_title[" ".join(title.split())].append((path, line))
    found = []
    for title, same in sorted(by_title.items()):
        for path, line in same if len(same) > 1 else ():
            others = ", ".join(p for p, _ in same if p != path)
            found.append(settings.finding(path, line, "duplicate-title", f"'{title}' is also the title of {others}"))
    return [f for f in found if f is not None]


def _orphans(survey: Survey, by_rel: dict[str, Source], settings: Settings) -> Iterator[Finding | None]:
    """Published articles no other article, page, menu item or promo links to (lists do not count)."""
    linked = {link.target for rel, s in by_rel.items() if _published(survey, rel) for link in s.rendered.links if link.kind == "link" and link.target != rel}
    urls = {str(item.get("url", "")) for item in survey.config.nav if isinstance(item, dict)}
    urls |= {str(p.get("url", "")) for p in survey.site.promos}
    for entry in survey.site.articles:
        s = by_rel.get(entry.doc.rel)
        if s and entry.doc.rel not in linked and entry.url not in urls:
            yield settings.finding(s.path, s.doc.lines.get("title", 1), "orphan", f"no other article or page links to {entry.url} (only lists do)")


def _published(survey: Survey, rel: str) -> bool:
    return rel not in survey.site.held_back


def image_weight(media: Media, all_sources: list[Source], settings: Settings, unused: bool = True) -> Iterator[Finding]:
    """Pictures too heavy for a phone, named where ``all_sources`` use them (the first place), or
    at the file (``unused``: also pictures none of them use)."""
    used: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for s in all_sources:
        if s.doc.cover:
            used[s.doc.cover].append((s.path, s.doc.lines.get("cover", 1)))
        for link in s.rendered.links:
            if link.kind == "image" and link.target:
                used[link.target].append((s.path, link.line))
    for rel in sorted(media.pictures) if unused else sorted(r for r in used if r in media.pictures):
        picture = media.pictures[rel]
        where = sorted(used.get(rel, [])) or [(f"content/{rel}", 0)]
        also = f" (also used in {len(where) - 1} more place(s))" if len(where) > 1 else ""
        source_bytes = media.files[rel].stat().st_size if rel in media.files else 0
        if source_bytes > settings.source_budget:
            over = f"over {settings.source_budget / 1e6:g} MB as a source"
            yield from _some(settings.finding(*where[0], "image-weight", f"content/{rel} is {source_bytes / 1e6:.1f} MB, {over}{also}"))
        sizes = [(media.outputs[v.rel].stat().st_size, v.rel) for v in picture.variants() if v.rel in media.outputs]
        if sizes and max(sizes)[0] > settings.image_budget:
            size, name = max(sizes)
            over = f"over the {settings.image_budget // 1000} KB budget"
            message = f"content/{rel}: its largest published file ({name}) is {size // 1000} KB, {over}{also}"
            yield from _some(settings.finding(*where[0], "image-weight", message))


def _some(finding: Finding | None) -> list[Finding]:
    return [] if finding is None else [finding]


def _promos_scheduled(survey: Survey, settings: Settings, content: Path, root: Path, now: datetime) -> Iterator[Finding | None]:
    """Every promo: when it starts and ends, or that it ended."""
    for path, line, promo in _promos(survey, content):
        title, start, end = promo.get("title", "?"), promo.get("start"), promo.get("end")
        shown = path.relative_to(root).as_posix()
        start_at, end_at = _moment(start, survey), _moment(end, survey)
        if end_at is not None and end_at <= now:
            state = f"ended {end_at:%Y-%m-%d %H:%M}: remove it"
        elif start_at is not None and start_at > now:
            state = f"starts {start_at:%Y-%m-%d %H:%M}" + (f", ends {end_at:%Y-%m-%d %H:%M}" if end_at else "")
        else:
            state = "running" + (f" until {end_at:%Y-%m-%d %H:%M}" if end_at else ", with no end")
        yield settings.finding(shown, line, "scheduled", f"promo '{title}' {state}")


def _promos(survey: Survey, content: Path) -> Iterator[tuple[Path, int, dict]]:  # type: ignore[type-arg]
    """Every promo with the line it starts at: site.yaml's ``promos:``, then data/promos.yaml."""
    for path, section in ((content / "site.yaml", "promos"), (content / "data" / "promos.yaml", None)):
        try:
            node = yaml.compose(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if section is not None and isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == section), None)
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                value = yaml.safe_load(yaml.serialize(item))
                if isinstance(value, dict):
                    yield path, item.start_mark.line + 1, value


def _moment(value: object, survey: Survey) -> datetime | None:
    from ..content import parse_datetime

    if value is None or value == "":
        return None
    parsed = parse_datetime(value, survey.config.timezone)
    return parsed if isinstance(parsed, datetime) else None
