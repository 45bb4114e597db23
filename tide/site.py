"""The site graph: which documents are published, their URLs, links, taxonomies, authors, neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from .cjk import reading_minutes, slugify, summarize
from .config import SiteConfig, resolve_ref
from .content import Document
from .errors import ErrorList
from .images import BODY_SIZES, Media, img_tag
from .promos import active_promos
from .related import link_related
from .rendered import LINK_SCHEME, Heading, Rendered
from .store import BodyStore

# Starts at the literal '="tide:' (the attribute's name is checked in ``Links.resolve``): an
# alternation first made the search try every position of a body, five times slower.
_PLACEHOLDER = re.compile(r'="' + LINK_SCHEME + r'([^"#]*)(?:#([^"]*))?"')
_LOCAL_IMG = re.compile(r'<img\b[^>]*\bsrc="' + LINK_SCHEME + r'[^"]*"[^>]*>')
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_SET_BY_PICTURE = {"src", "alt", "loading", "decoding", "width", "height", "srcset", "sizes", "fetchpriority"}
_AUTHOR_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which documents a build publishes."""

    now: datetime
    drafts: bool = False
    future: bool = False

    def includes(self, doc: Document) -> bool:
        if doc.draft and not self.drafts:
            return False
        return self.future or doc.date is None or doc.date <= self.now


# What lists show of an entry: its ``card`` digest covers exactly these fields (``deps.set_card``).
# A template reading any other field of an entry it was not handed as a page of its own makes its
# output depend on that entry's whole page (``view:`` reads), so a list redraws on a body edit only
# when it shows the body.
CARD_FIELDS = ("url", "title", "date", "updated", "summary", "reading_minutes", "cover", "unpublished", "category", "tags", "authors")
CARD = frozenset(CARD_FIELDS)  # (reading these of a term or an author needs no note either)


class Tracker:
    """Notes what a template reads beyond its own context while one output is drawn.

    An output that reads ``site.articles`` must be redrawn when any article changes; one that
    reads only its own page need not. ``deps`` turns these notes into signatures.
    """

    def __init__(self) -> None:
        self.current: set[str] | None = None
        self.handed: set[int] = set()  # ids of the entries, terms and authors the output's signature covers

    def begin(self, context: dict[str, Any]) -> set[str]:
        """Start noting for one output; ``context`` is what its template is handed."""
        self.current = set()
        self.handed = {id(v) for v in context.values() if isinstance(v, Entry)}  # listed entries count by card only
        todo = list(context.values())
        while todo:  # terms and authors anywhere in the context: their sizes are in the signature
            item = todo.pop()
            if isinstance(item, _Collection):
                self.handed.add(id(item))
            elif isinstance(item, (list, tuple)):
                todo.extend(item)
            elif isinstance(item, dict):
                todo.extend(item.values())
        return self.current

    def end(self) -> None:
        self.current, self.handed = None, set()

    def touch(self, key: str) -> None:
        if self.current is not None:
            self.current.add(key)

    def read(self, obj: object, name: str) -> None:
        """A template read ``obj.name`` (the template environment tells us, see ``templates``)."""
        if self.current is None or (id(obj) in self.handed and name != "members"):  # (a handed term's members are not in its digest)
            return
        if isinstance(obj, Entry):
            if name not in CARD:
                self.current.add(view_key(obj))
        elif isinstance(obj, _Collection) and name in ("members", "count"):
            self.current.add(obj.key)  # which articles, or how many: depend on the collection

    def read_whole(self, entry: Entry) -> None:
        """Python code handed an entry by a template (``ld_article``) may read any of its fields."""
        if self.current is not None and id(entry) not in self.handed:
            self.current.add(view_key(entry))


def view_key(entry: Entry) -> str:
    return "view:" + entry.doc.rel


class _Collection:
    """Articles grouped under an author or a term; reading them from a template is tracked."""

    __slots__ = ()
    tracker: Tracker
    members: list[Entry]

    @property
    def key(self) -> str:
        raise NotImplementedError

    @property
    def articles(self) -> list[Entry]:
        self.tracker.touch(self.key)
        return self.members

    @property
    def count(self) -> int:
        """How many articles, without making the page depend on which ones."""
        return len(self.members)


@dataclass(eq=False, slots=True)
class Author(_Collection):
    id: str
    name: str
    bio: str
    avatar: str | None  # URL path
    url: str
    tracker: Tracker
    members: list[Entry] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"author:{self.id}"


@dataclass(eq=False, slots=True)
class Term(_Collection):
    """A tag or a category and the articles filed under it, newest first."""

    kind: str  # "tag" or "category"
    name: str
    slug: str
    url: str
    tracker: Tracker
    members: list[Entry] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(eq=False, slots=True)
class Entry:
    """A published article or page, as templates see it (``page``)."""

    doc: Document
    url: str  # path under the site's base path, e.g. "/articles/xiaomi/"
    body_key: str  # where the HTML (with link placeholders) is in the body store
    bodies: BodyStore
    summary: str
    reading_minutes: int
    headings: tuple[Heading, ...]
    show_toc: bool
    cover: str | None  # URL path
    has_code: bool  # the body has highlighted code
    unpublished: bool  # a draft or a future article, shown only in previews
    authors: list[Author] = field(default_factory=list)
    category: Term | None = None
    tags: list[Term] = field(default_factory=list)
    older: Entry | None = None
    newer: Entry | None = None
    related: list[Entry] = field(default_factory=list)
    links: Links | None = None
    card: str = ""  # digests of what lists show and of the whole page (set by deps)
    view: str = ""

    def __getattr__(self, name: str) -> Any:
        """Front-matter fields read straight through: page.title, page.date, page.meta ..."""
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.doc, name)

    @property
    def body(self) -> str:
        """The converted body, read from the store only when a page needs it."""
        return self.bodies.get(self.body_key)

    @property
    def content(self) -> str:
        """The body with links as root-relative URLs, for pages; without a cover, its first picture loads first."""
        return self.links.resolve(self.body, absolute=False, eager_first=self.cover is None) if self.links else self.body

    @property
    def content_absolute(self) -> str:
        """The body with absolute links, for feeds read far from the site."""
        return self.links.resolve(self.body, absolute=True, eager_first=False) if self.links else self.body


# The front-matter fields every page reads, as properties: through ``__getattr__`` each read first
# fails as an attribute (an exception raised and caught), a microsecond apiece, 360,000 reads a
# build at 10,000 articles.
for _field in ("title", "date", "updated", "editor", "reviewer", "meta"):
    setattr(Entry, _field, property(attrgetter(f"doc.{_field}")))
del _field


@dataclass(slots=True)
class Links:
    """Turns link placeholders into final URLs, once every page's URL is known."""

    base_path: str
    base_url: str
    media: Media
    tracker: Tracker
    urls: dict[str, str] = field(default_factory=dict)  # source path in content/ -> URL path

    def resolve(self, html: str, absolute: bool, eager_first: bool) -> str:
        base = (self.base_url if absolute else self.base_path).rstrip("/")
        first = [eager_first]

        def url_of(rel: str) -> str:
            return base + quote(url_of_file(rel), safe="/%")

        def picture(m: re.Match[str]) -> str:
            attrs = dict(_ATTR.findall(m[0]))
            rel = attrs["src"][len(LINK_SCHEME) :]
            found = self.media.pictures.get(rel)
            if found is None:
                return m[0]  # not a raster image: the link below is enough
            self.tracker.touch(f"image:{rel}")
            extra = " ".join(f'{k}="{v}"' for k, v in attrs.items() if k not in _SET_BY_PICTURE)
            eager, first[0] = first[0], False
            return img_tag(found, url_of, unescape(attrs.get("alt", "")), BODY_SIZES, eager, extra)

        def swap(m: re.Match[str]) -> str:
            if not m.string.endswith(("href", "src"), 0, m.start()):
                return m[0]
            path = self.urls.get(m[1]) or url_of_file(m[1])
            return f'="{base}{quote(path, safe="/%")}' + (f"#{m[2]}" if m[2] else "") + '"'

        return _PLACEHOLDER.sub(swap, _LOCAL_IMG.sub(picture, html))


@dataclass(slots=True)
class Site:
    config: SiteConfig
    now: datetime
    articles: list[Entry]  # newest first
    pages: list[Entry]
    tags: list[Term]
    categories: list[Term]
    authors: list[Author]
    promos: list[dict[str, Any]]
    tracker: Tracker
    held_back: dict[str, Document] = field(default_factory=dict)  # drafts and future articles left out
    media: Media = field(default_factory=Media)  # content/media/, processed
    promo_moments: list[datetime] = field(default_factory=list)  # every promo start and end
    bodies: BodyStore | None = None  # every entry's converted body by ``body_key`` (picklable: a worker process opens it itself)


def build_site(
    config: SiteConfig,
    compiled: dict[str, tuple[Document, Rendered, str]],
    sources: set[str],
    content: Path,
    selection: Selection,
    bodies: BodyStore,
    media: Media,
    errors: ErrorList,
    related_memo: dict[str, Any] | None = None,
) -> Site:
    """Link the published documents into one site; every problem found goes to ``errors``.

    ``compiled`` maps a source path to its Document, its Markdown facts and its body's key.
    """
    docs = [doc for doc, _, _ in compiled.values()]
    rendered = {rel: r for rel, (_, r, _) in compiled.items()}
    published = [d for d in docs if selection.includes(d)]
    tracker = Tracker()
    links = Links(config.base_path, config.base_url, media, tracker)
    entries = [_entry(d, rendered[d.rel], compiled[d.rel][2], bodies, config, selection, links) for d in published]
    by_rel = {e.doc.rel: e for e in entries}
    links.urls.update((rel, e.url) for rel, e in by_rel.items())
    held_back = {d.rel: d for d in docs if not selection.includes(d)}
    for entry in entries:
        _check_cover(entry, media, content, errors)
        _check_links(entry, rendered[entry.doc.rel], by_rel, held_back, sources, content, media, errors)
    used = {d.cover for d in docs} | {link.target for r in rendered.values() for link in r.links}
    for rel in sorted(set(media.broken) - used):  # nobody shows it yet: say so now, not on the day someone does
        errors.warn(content / rel, 0, f"content/{rel} {media.broken[rel]}; it is published as it is")
    articles = sorted((e for e in entries if e.doc.kind == "article"), key=_newest_first)
    pages = sorted((e for e in entries if e.doc.kind == "page"), key=lambda e: e.doc.rel)
    _link_neighbours(articles)
    tags = _terms(articles, "tag", config, tracker)
    categories = _terms(articles, "category", config, tracker)
    link_related(articles, config.related_count, {} if related_memo is None else related_memo)
    authors = _authors(articles, config, content, tracker, errors)
    promos, moments = active_promos(config, selection.now, content, errors)
    return Site(config, selection.now, articles, pages, tags, categories, authors, promos, tracker, held_back, media, moments, bodies)


def permalink(doc: Document, config: SiteConfig) -> str:
    """The URL path a document is published at, from the site's permalink patterns."""
    when = doc.date.astimezone(config.timezone) if doc.date else None
    parts = {"slug": doc.slug, "year": f"{when:%Y}" if when else "", "month": f"{when:%m}" if when else "", "day": f"{when:%d}" if when else ""}
    return re.sub(r"/{2,}", "/", config.permalinks[doc.kind].format(**parts))


def url_of_file(rel: str) -> str:
    """A file in content/ is published at the same path: media/a.webp -> /media/a.webp."""
    return "/" + rel


def _entry(doc: Document, r: Rendered, body_key: str, bodies: BodyStore, config: SiteConfig, selection: Selection, links: Links) -> Entry:
    unpublished = doc.draft or (doc.date is not None and doc.date > selection.now)
    entry = Entry(
        doc=doc,
        url=permalink(doc, config),
        body_key=body_key,
        bodies=bodies,
        summary="",
        reading_minutes=0,
        headings=(),
        show_toc=False,
        has_code=False,
        cover=url_of_file(doc.cover) if doc.cover else None,
        unpublished=unpublished,
        links=links,
    )
    refresh_body(entry, r, body_key, config)
    return entry


def refresh_body(entry: Entry, r: Rendered, body_key: str, config: SiteConfig) -> None:
    """Set what an entry takes from its body; used again when only the body was edited."""
    entry.body_key = body_key
    entry.summary = entry.doc.summary or summarize(r.first_paragraph, config.summary_length)
    entry.reading_minutes = reading_minutes(r.cjk_chars, r.latin_words, config.cjk_per_minute, config.words_per_minute)
    entry.headings = r.headings
    entry.has_code = r.has_code
    entry.show_toc = sum(h.level == 2 for h in r.headings) >= config.toc_min_headings


def check_links(entry: Entry, r: Rendered, site: Site, by_rel: dict[str, Entry], sources: set[str], content: Path, errors: ErrorList) -> None:
    """Check one entry's links against a built site (after an edit of its body alone)."""
    _check_links(entry, r, by_rel, site.held_back, sources, content, site.media, errors)


def _check_cover(entry: Entry, media: Media, content: Path, errors: ErrorList) -> None:
    cover = entry.doc.cover
    if cover in media.broken:
        errors.add(content / entry.doc.rel, entry.doc.lines.get("cover", 1), f"cover image content/{cover} {media.broken[cover]}")


def _check_links(
    entry: Entry,
    r: Rendered,
    by_rel: dict[str, Entry],
    held_back: dict[str, Document],
    sources: set[str],
    content: Path,
    media: Media,
    errors: ErrorList,
) -> None:
    path = content / entry.doc.rel
    for line in r.images_without_alt:
        errors.warn(path, line, "image has no alt text: write what it shows between the brackets, ![like this](...)")
    for link in r.links:
        what = f"{link.kind} '{link.written}'"
        target = link.target
        if target is None:
            errors.add(path, link.line, f"{what} points outside content/", "link")
        elif target in by_rel:
            fragment = unquote(link.written.partition("#")[2])
            if fragment and fragment not in {h.id for h in by_rel[target].headings}:
                errors.add(path, link.line, f"{what}: {target} has no heading with id '{fragment}'", "link")
        elif target in held_back:
            why = "a draft" if held_back[target].draft else "dated in the future"
            errors.add(path, link.line, f"{what} points to {target}, which is {why} and not published", "link")
        elif target in sources:
            continue  # the target has errors of its own, reported at that file
        elif target in media.broken:
            errors.add(path, link.line, f"{what}: content/{target} {media.broken[target]}", "link")
        elif target not in media.files and not (content / target).is_file():
            errors.add(path, link.line, f"{what} points to content/{target}, which does not exist", "link")
        elif not target.startswith("media/"):
            errors.add(path, link.line, f"{what}: only files in content/media/ are published", "link")


def _newest_first(e: Entry) -> tuple[float, str]:
    return (-e.doc.date.timestamp() if e.doc.date else 0.0, e.doc.rel)


def _link_neighbours(articles: list[Entry]) -> None:
    for newer, older in zip(articles, articles[1:], strict=False):
        newer.older, older.newer = older, newer


def _terms(articles: list[Entry], kind: str, config: SiteConfig, tracker: Tracker) -> list[Term]:
    terms: dict[str, Term] = {}
    pattern = config.permalinks[kind]
    for article in articles:
        names = article.doc.tags if kind == "tag" else (article.doc.category,) if article.doc.category else ()
        for name in names:
            if name not in terms:
                slug = config.taxonomy_slugs.get(name) or slugify(name) or "term"
                terms[name] = Term(kind, name, slug, pattern.format(slug=slug), tracker)
            terms[name].members.append(article)
            if kind == "tag":
                article.tags.append(terms[name])
            else:
                article.category = terms[name]
    return sorted(terms.values(), key=lambda t: (-len(t.members), t.slug))


def _authors(articles: list[Entry], config: SiteConfig, content: Path, tracker: Tracker, errors: ErrorList) -> list[Author]:
    known = config.data.get("authors") or {}
    data_file = content / "data" / "authors.yaml"
    if not isinstance(known, dict) or not all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in known.values()):
        errors.add(data_file, 1, "authors must map an id to {name, bio, avatar}, e.g. huang-jiajun: {name: 黄家俊}")
        known = {}
    authors: dict[str, Author] = {}
    for article in articles:
        for ref in article.doc.authors:
            if ref not in known and _AUTHOR_ID.match(ref):
                errors.add(
                    content / article.doc.rel, article.doc.lines.get("authors", 1), f"unknown author id '{ref}'; add it to data/authors.yaml or write the name"
                )
                continue
            if ref not in authors:
                authors[ref] = _author(ref, known.get(ref), config.permalinks["author"], tracker, content, data_file, errors)
            authors[ref].members.append(article)
            article.authors.append(authors[ref])
    return sorted(authors.values(), key=lambda a: a.url)


def _author(ref: str, info: dict[str, Any] | None, pattern: str, tracker: Tracker, content: Path, data_file: Path, errors: ErrorList) -> Author:
    if info is None:
        slug = slugify(ref) or "author"
        return Author(slug, ref, "", None, pattern.format(slug=slug), tracker)
    avatar = info.get("avatar")
    avatar_path = resolve_ref(str(avatar), "data") if avatar else None
    if avatar and (avatar_path is None or not (content / avatar_path).is_file()):
        errors.add(data_file, 1, f"avatar '{avatar}' of author '{ref}' does not exist")
        avatar_path = None
    return Author(ref, info["name"], str(info.get("bio", "")), url_of_file(avatar_path) if avatar_path else None, pattern.format(slug=ref), tracker)


class SiteView:
    """What templates see as ``site``: settings, plus collections whose reading is tracked."""

    COLLECTIONS = ("articles", "pages", "tags", "categories", "authors", "promos")

    def __init__(self, site: Site) -> None:
        c = site.config
        self._site = site
        self.title, self.description, self.language, self.nav = c.title, c.description, c.language, c.nav
        self.logo = url_of_file(c.logo) if c.logo else None
        self.base_url, self.base_path = c.base_url, c.base_path

    def __getattr__(self, name: str) -> Any:
        if name in self.COLLECTIONS:
            self._site.tracker.touch(f"site.{name}")
            return getattr(self._site, name)
        if name == "now":
            self._site.tracker.touch("site.now")
            return self._site.now
        raise AttributeError(name)


def next_change(records, site: Site, selection: Selection) -> datetime | None:  # type: ignore[no-untyped-def]
    """The first moment after ``selection.now`` at which the clock alone changes the site."""
    now = selection.now
    moments = [r.doc.date for r in records if r.doc and r.doc.date and r.doc.date > now]
    moments += [when for when in site.promo_moments if when > now]
    return min(moments) if moments else None
