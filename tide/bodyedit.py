"""The fast path: edits that changed only article bodies (or the theme) reuse the last site graph.

Rebuilding the graph of 10,000 articles (URLs, tags, neighbours, related articles) and every
output's signature takes seconds; an edit inside a body changes none of that structure. When
the front matter of every changed file is exactly as before and nothing but sources changed,
we refresh those entries, recompute the digests they feed, and look again only at the outputs
that show them or read a collection they are in. ``tests/test_incremental.py`` holds this
path to the same byte-for-byte standard as the full one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .config import SiteConfig
from .content import Document
from .deps import collections_of, entries_in, set_card, set_view
from .errors import ErrorList
from .routes import Route
from .site import Entry, Site, check_links, refresh_body, view_key
from .store import Records, SourceRecord


@dataclass(slots=True)
class LastBuild:
    """What a successful build leaves for the next one in the same process."""

    config_key: str
    data_stamp: str  # content/ without the article and page sources (``freshness.Stamps.data``)
    theme: str  # templates/ by content (``freshness.theme_digest``)
    site: Site
    routes: Sequence[Route]  # (a saved graph reads each route when it is first looked at)
    docs: Mapping[str, Document]  # source path -> front matter as built
    by_rel: dict[str, Entry] = field(default_factory=dict)
    entry_routes: Mapping[int, set[int]] = field(default_factory=dict)  # id(entry) -> indexes of routes handed it
    related_by: Mapping[int, list[Entry]] = field(default_factory=dict)  # id(entry) -> entries listing it as related
    files: list[str] = field(default_factory=list)  # each route's output file
    route_of: dict[str, int] = field(default_factory=dict)  # output file -> index of its route, made when first needed

    @classmethod
    def of(cls, config_key: str, data_stamp: str, theme: str, site: Site, routes: list[Route], index: Mapping[str, SourceRecord]) -> LastBuild:
        return cls(config_key, data_stamp, theme, site, routes, {rel: r.doc for rel, r in index.items() if r.doc})

    def reverse_maps(self) -> None:
        """The reverse maps, made on the first edit in the preview, or when the graph is saved (a
        saved graph keeps them, so that a command-line build after an edit need not make them)."""
        if self.by_rel:
            return
        entries = self.site.articles + self.site.pages
        self.by_rel = {e.doc.rel: e for e in entries}
        self.files = [route.file for route in self.routes]
        entry_routes: dict[int, set[int]] = {}
        related_by: dict[int, list[Entry]] = {}
        for i, route in enumerate(self.routes):
            for e in entries_in(route.context):
                entry_routes.setdefault(id(e), set()).add(i)
        for e in self.site.articles:
            for r in e.related:
                related_by.setdefault(id(r), []).append(e)
        self.entry_routes, self.related_by = entry_routes, related_by

    def routes_of(self, files: set[str]) -> set[int]:
        """The indexes of the routes that make these output files."""
        if not files:
            return set()
        if not self.route_of:
            self.reverse_maps()
            self.route_of = {file: i for i, file in enumerate(self.files)}
        return {self.route_of[f] for f in files if f in self.route_of}

    def applies(self, config_key: str, data_stamp: str, changed: set[str], index: Mapping[str, SourceRecord]) -> bool:
        """True when the graph stands: the same settings, data and media, and no source added,
        removed or changed above its body (the theme may have changed: ``Builder`` looks at every
        page then)."""
        if not data_stamp or data_stamp != self.data_stamp or config_key != self.config_key:
            return False
        # A source added or removed since this build is among ``changed`` and fails here.
        return all(rel in self.docs and rel in index and index[rel].doc == self.docs[rel] for rel in changed)


def apply_body_edits(
    last: LastBuild, changed: set[str], index: Mapping[str, SourceRecord], config: SiteConfig,
    content: Path, records: Records, errors: ErrorList,
) -> tuple[set[int], list[Entry]]:  # fmt: skip
    """Refresh the edited entries in place; return the indexes of the routes to look at again,
    and every entry whose fields changed."""
    last.reverse_maps()
    touched: list[Entry] = []
    sources = set(last.docs)  # the same as the index's sources: nothing was added or removed
    for rel in sorted(changed):
        entry = last.by_rel.get(rel)
        record = index[rel]
        if entry is None or record.rendered is None:
            continue  # a draft or future article: no page shows it
        refresh_body(entry, record.rendered, record.text_hash, config)
        check_links(entry, record.rendered, last.site, last.by_rel, sources, content, errors)
        touched.append(entry)
    views: dict[int, Entry] = {}
    collections: set[str] = set()
    for entry in touched:
        before = entry.card
        set_card(entry)
        views[id(entry)] = entry
        if entry.card != before:
            collections |= collections_of(entry)
            for other in [entry.older, entry.newer, *last.related_by.get(id(entry), [])]:
                if other is not None:
                    views[id(other)] = other
    for entry in views.values():
        set_view(entry)
    again: set[int] = set()
    for entry in views.values():
        again |= last.entry_routes.get(id(entry), set())
        collections.add(view_key(entry))  # outputs that read more of it than lists show (feeds)
    again |= last.routes_of(records.readers_of(collections))
    return again, list(views.values())


def clock_moved(last: LastBuild, now: datetime, records: Records) -> set[int]:
    """Move the graph's clock to ``now``; return the routes whose pages read it (``site.now``)."""
    if last.site.now == now:
        return set()
    last.site.now = now
    return last.routes_of(records.readers_of(["site.now"]))
