"""The last good build's site graph on disk, so that a command-line build after an edit of
bodies alone takes the preview's fast path (``bodyedit``) instead of linking every article again.

Plain pickle cannot store the graph: following ``older``/``newer`` and tag members recurses
10,000 levels deep. So entries, terms and authors are written as flat rows of slot values in
which every reference to another of them is an index, and read back into empty shells. The
routes are not stored: ``routes.plan`` remakes them from the graph faster than they unpickle.

A body-edit build does not rewrite the graph (a second or more at 10,000 articles); it rewrites
a small journal holding the rows of the entries it changed, which loading lays over the graph.
The output records name the graph and journal they belong to, so a graph that does not match
them (a crash between saves, an older build) is never used.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
from dataclasses import dataclass, field, fields
from typing import Any

from .assets import Assets
from .bodyedit import LastBuild
from .config import SiteConfig
from .markup import Heading
from .routes import plan
from .site import Author, Entry, Site, Term, Tracker
from .store import BodyStore, Cache, GraphRef, digest

_SITE_FIELDS = [f.name for f in fields(Site) if f.name not in ("config", "tracker")]  # set again on loading
_REFS: dict[str, list[Any]] = {}  # while loading: the shells references resolve to
_COUNTS = struct.Struct("<5I")  # articles, pages, tags, categories, authors: the shells to make before reading


@dataclass(slots=True)
class Saved:
    """A graph as loaded, ready for ``Builder``: the last build and its theme files."""

    last: LastBuild
    assets: Assets
    journal: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # entry number -> row, laid over the graph


def save(cache: Cache, last: LastBuild, assets: Assets, sources: dict[str, tuple[int, int]]) -> Saved:
    """Write the whole graph (after a full build); the journal starts empty.

    ``sources``: each article and page source's time and size as this build saw it."""
    site = last.site
    entries, terms, authors = site.articles + site.pages, site.tags + site.categories, site.authors
    rows = ([_row(e) for e in entries], [_row(t) for t in terms], [_row(a) for a in authors])
    body = {f: getattr(site, f) for f in _SITE_FIELDS if f not in ("articles", "pages", "tags", "categories", "authors")}
    value = {"assets": assets, "rows": rows, "site": body}  # settings and stamps: in GraphRef, checked before loading
    token = os.urandom(8).hex()
    counts = _COUNTS.pack(len(site.articles), len(site.pages), len(site.tags), len(site.categories), len(authors))
    cache.write_blob("graph", token, counts + _dumps(value, entries, terms, authors))
    cache.state.graph = GraphRef(token, "", last.other_stamp, digest(last.config_key.encode()), sources)
    return Saved(last, assets)


def save_journal(cache: Cache, saved: Saved, changed: list[Entry], sources: dict[str, tuple[int, int]]) -> None:
    """Write the rows of entries a body-edit build changed, on top of those journalled before."""
    ref = cache.state.graph
    assert ref is not None, "a journal belongs to a saved graph"
    site = saved.last.site
    entries, terms, authors = site.articles + site.pages, site.tags + site.categories, site.authors
    number = {id(e): i for i, e in enumerate(entries)}
    for entry in changed:
        saved.journal[number[id(entry)]] = _row(entry)
    ref.journal = os.urandom(8).hex()
    ref.sources.update(sources)
    cache.write_blob("graph-journal", ref.journal, _dumps({"rows": saved.journal}, entries, terms, authors))


def load(cache: Cache, config: SiteConfig, config_key: str) -> Saved | None:
    """The graph the output records belong to, or None when there is none that matches them.

    The caller has checked that the settings and other inputs are those the graph was made with
    (``GraphRef``); ``config_key`` is those settings, as the full build that made it knew them."""
    ref = cache.state.graph
    if ref is None:
        return None
    data = cache.read_blob("graph", ref.token)
    journal = cache.read_blob("graph-journal", ref.journal) if ref.journal else b""
    if data is None or journal is None:
        return None
    try:
        return _load(data, journal, config, config_key, ref.other_stamp, cache.bodies)
    except Exception:  # noqa: BLE001  a damaged graph is not used: the build links the site again
        return None


def _load(data: bytes, journal: bytes, config: SiteConfig, config_key: str, other_stamp: str, bodies: BodyStore) -> Saved:
    n_articles, n_pages, n_tags, n_categories, n_authors = _COUNTS.unpack_from(data)
    shells = {
        "E": [Entry.__new__(Entry) for _ in range(n_articles + n_pages)],
        "T": [Term.__new__(Term) for _ in range(n_tags + n_categories)],
        "A": [Author.__new__(Author) for _ in range(n_authors)],
        "K": [Tracker()],
        "B": [bodies],
    }
    _REFS.update(shells)
    try:
        value = pickle.loads(data[_COUNTS.size :])
        extra = pickle.loads(journal) if journal else {"rows": {}}
    finally:
        _REFS.clear()
    entry_rows, term_rows, author_rows = value["rows"]
    for i, row in extra["rows"].items():
        entry_rows[i] = row
    for kind, rows in ((shells["E"], entry_rows), (shells["T"], term_rows), (shells["A"], author_rows)):
        for shell, row in zip(kind, rows, strict=True):
            _fill(shell, row)
    entries, terms = shells["E"], shells["T"]
    site = Site(
        config=config, tracker=shells["K"][0],
        articles=entries[:n_articles], pages=entries[n_articles:], tags=terms[:n_tags], categories=terms[n_tags:], authors=shells["A"],
        **value["site"],
    )  # fmt: skip
    docs = {e.doc.rel: e.doc for e in entries} | site.held_back
    last = LastBuild(config_key, other_stamp, site, plan(site), docs)
    return Saved(last, value["assets"], extra["rows"])


def _row(obj: Entry | Term | Author) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in type(obj).__slots__)


def _fill(shell: Entry | Term | Author, row: tuple[Any, ...]) -> None:
    for name, value in zip(type(shell).__slots__, row, strict=True):
        object.__setattr__(shell, name, value)


def _ref(kind: str, number: int) -> Any:
    return _REFS[kind][number]


def _dumps(value: dict[str, Any], entries: list[Entry], terms: list[Term], authors: list[Author]) -> bytes:
    """Pickle ``value`` with every entry, term, author, tracker and body store written as a reference."""
    refs: dict[int, tuple[str, int]] = {id(o): ("E", i) for i, o in enumerate(entries)}
    refs.update((id(o), ("T", i)) for i, o in enumerate(terms))
    refs.update((id(o), ("A", i)) for i, o in enumerate(authors))

    def reference(obj: Any) -> tuple[Any, ...]:
        return _ref, refs[id(obj)]

    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {  # type: ignore[misc]
        Entry: reference, Term: reference, Author: reference,
        Tracker: lambda _: (_ref, ("K", 0)), BodyStore: lambda _: (_ref, ("B", 0)),
        Heading: lambda h: (Heading, (h.level, h.id, h.text)),  # ten times faster to read back than a dataclass's state
    }  # fmt: skip
    pickler.dump(value)
    return out.getvalue()
