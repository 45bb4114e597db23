"""What each output is made of, as a signature: equal signatures mean the output cannot differ.

A signature hashes the engine, the settings and data, the templates the output's template can
load (found with ``jinja2.meta``), and every value handed to the template. Templates may also
reach site-wide collections (``site.articles``, ``term.articles`` ...), processed pictures and
theme files; the Tracker notes which ones an output read last time, and their digests join its signature. So an edit to one article
redraws that article, its neighbours, and the lists, feeds and tag pages that show it; nothing else.

An entry handed to a template as the page itself counts by its whole page (``view``); an entry in a
list counts by what lists show of it (``card``), and the Tracker notes any other field read of it
(``view:<source>``). A body edit that keeps the summary and reading time redraws the article and the
feeds that carry its body, not the tag pages and archives that list it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import jinja2

from .layouts import Layering, facts, layering
from .routes import Pager, Route
from .site import CARD_FIELDS, Author, Entry, Site, Term
from .store import TemplateFacts


def h(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def annotate(site: Site) -> None:
    """Give every entry its two digests: what lists show of it, and its whole page."""
    for e in site.articles + site.pages:
        set_card(e)
    for e in site.articles + site.pages:
        set_view(e)


def set_card(e: Entry) -> None:
    e.card = h([_shown(getattr(e, name)) for name in CARD_FIELDS])


def _shown(value: Any) -> Any:
    """A card field as lists can show it: terms and authors with every field a template may read."""
    if isinstance(value, Term):
        return (value.kind, value.name, value.slug, value.url)
    if isinstance(value, Author):
        return (value.id, value.name, value.bio, value.avatar, value.url)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return _t(value) if isinstance(value, datetime) else value


def set_view(e: Entry) -> None:
    d = e.doc
    e.view = h(
        e.card, e.body_key, e.headings, e.show_toc, d.editor, d.reviewer, d.aliases, repr(sorted(d.meta.items())),
        e.older.card if e.older else None, e.newer.card if e.newer else None, [r.card for r in e.related],
    )  # fmt: skip


def collections_of(e: Entry) -> set[str]:
    """The site-wide collections an entry's list fields appear in."""
    keys = {"site.articles" if e.doc.kind == "article" else "site.pages"}
    keys.update(t.key for t in e.tags)
    keys.update(a.key for a in e.authors)
    if e.category:
        keys.add(e.category.key)
    return keys


def entries_in(value: Any) -> list[Entry]:
    """Every entry a template is handed directly, for the reverse map entry -> outputs (a loop, not
    recursion: it runs over every route's context, 17,000 of them at 10,000 articles)."""
    found: list[Entry] = []
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, Entry):
            found.append(item)
        elif isinstance(item, Pager):
            found.extend(item.items)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
    return found


class Signatures:
    """Computes route signatures for one build."""

    def __init__(self, site: Site, base: str, templates: TemplateDigests, asset_urls: dict[str, str], by_rel: dict[str, Entry] | None = None) -> None:
        """``by_rel``: source path -> entry, when the caller has it (a saved graph names its entries
        without reading them)."""
        self.site, self.base, self.templates, self.asset_urls = site, base, templates, asset_urls
        self._by_rel = by_rel
        self._globals: dict[str, str] = {}

    def route(self, route: Route) -> tuple[str, str]:
        """The signature of a route before site-wide reads are added, and the same for the blocks
        its template fills, leaving out its layouts ("" when the blocks cannot be reused, ``layouts``)."""
        handed = h(route.path, sorted((k, v.view if isinstance(v, Entry) else value_digest(v)) for k, v in route.context.items()))
        layered, own = self.templates.layering(route.template)
        return h(self.base, self.templates.closure(route.template), handed), h(self.base, own, handed) if layered else ""

    def full(self, route_sig: str, globals_read: Iterable[str]) -> str:
        return h(route_sig, [(g, self.global_digest(g)) for g in sorted(globals_read)])

    def global_digest(self, key: str) -> str:
        if key not in self._globals:
            self._globals[key] = self._compute(key)
        return self._globals[key]

    def _compute(self, key: str) -> str:
        s = self.site
        if key.startswith("site."):
            name = key[5:]
            if name == "now":
                return h(s.now.isoformat())
            if name == "promos":
                return h(repr(s.promos))
            return h([value_digest(x) for x in getattr(s, name)])
        kind, _, name = key.partition(":")
        if kind == "view":
            if self._by_rel is None:
                self._by_rel = {e.doc.rel: e for e in s.articles + s.pages}
            entry = self._by_rel.get(name)
            return h(entry.view if entry else None)
        if kind == "image":
            found = s.media.pictures.get(name)
            return h(found.digest if found else s.media.broken.get(name))
        if kind == "asset":
            return h(self.asset_urls.get(name))
        pool: list[Term] | list[Author] = s.authors if kind == "author" else s.tags if kind == "tag" else s.categories
        for item in pool:
            if item.key == key:
                return h([e.card for e in item.members])
        return h(None)  # the collection is gone: differs from any real one


class TemplateDigests:
    """For each template, a digest of its source and of every template it can load.

    ``parsed`` remembers each source's syntax facts (``layouts.facts``) by source text, across
    builds (and, kept in the cache, across processes): parsing every template again on each preview
    rebuild cost more than the rebuild itself.
    """

    def __init__(self, env: jinja2.Environment, sources: dict[str, str], parsed: dict[str, TemplateFacts]) -> None:
        self.env, self.files, self.parsed = env, sources, parsed  # sources: every template, as Templates.refresh read it
        for stale in parsed.keys() - set(sources.values()):  # an edited template's old text
            del parsed[stale]
        self._closures: dict[str, str] = {}
        self._layering: dict[str, tuple[Layering | None, str]] = {}

    def facts(self, name: str) -> TemplateFacts:
        source = self.files.get(name, "")
        found = self.parsed.get(source)
        if found is None:
            found = self.parsed[source] = facts(self.env, source)
        return found

    def closure(self, name: str) -> str:
        """Digest of ``name`` and all it extends, includes or imports; any template if unknowable."""
        if name not in self._closures:
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                refs = self.facts(current).refs
                if refs is None:  # a template name computed at run time: depend on every template
                    seen = set(self.files)
                    break
                todo.extend(refs)
            self._closures[name] = h(sorted((n, self.files.get(n, "")) for n in seen))
        return self._closures[name]

    def layering(self, name: str) -> tuple[Layering | None, str]:
        """Whether pages of ``name`` may reuse their blocks when only layouts changed
        (``layouts.layering``), and a digest of the templates those blocks can load."""
        if name not in self._layering:
            found = layering(name, self.facts)
            self._layering[name] = (found, h(sorted((n, self.files.get(n, "")) for n in found.own)) if found else "")
        return self._layering[name]


def value_digest(value: Any) -> Any:
    """A stable, cheap stand-in for a value handed to a template; entries in it count by their card."""
    if isinstance(value, Entry):
        return value.card
    if isinstance(value, Pager):
        return ("pager", value.number, value.total, value.base, [e.card for e in value.items])
    if isinstance(value, Term):
        return ("term", value.kind, value.name, value.slug, value.url, len(value.members))
    if isinstance(value, Author):
        return ("author", value.id, value.name, value.bio, value.avatar, value.url, len(value.members))
    if isinstance(value, Route):
        return ("route", value.path, _t(value.lastmod))
    if isinstance(value, dict):
        return sorted((k, value_digest(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [value_digest(v) for v in value]
    if isinstance(value, datetime):
        return _t(value)
    return value


def _t(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
