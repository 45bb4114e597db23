"""The last good build's site graph on disk, read as it is used, so that a command-line build
after an edit of bodies alone takes the preview's fast path (``bodyedit``) at a cost that does
not grow with the site.

One SQLite file per output folder holds:

- ``head``, read whole: tags, categories and authors, the site's own fields, the theme files,
  and for each entry its source path, its two digests (``deps``), the routes handed it and the
  entries listing it as related; each route's output file.
- ``entries``: the entries' fields, ``ENTRY_CHUNK`` to a row. An entry starts as an empty shell
  (a ``_Shell``) whose digests come from one list kept apart; the first time anything else is
  read from it, its row is read and the shell becomes an ``Entry``. A body edit at 10,000
  articles reads the rows of the pages it draws again (a year's archive: 80 of 313).
- ``routes``: one route to a row, read when an edit looks at it again.

Rows are pickles in which every reference to an entry, term, author, route or shared object is
an index, so that each row can be read on its own (plain pickle of the graph recursed 10,000
levels deep following ``older``/``newer``).

A body-edit build rewrites the rows of the entries it changed, their digests and the token in one
transaction. The output records name the token of the graph they belong to, so a graph that does
not match them (a crash between the two saves, another output folder's) is never used.
"""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .assets import Assets
from .bodyedit import LastBuild
from .config import SiteConfig
from .content import Document
from .routes import Route
from .site import Author, Entry, Links, Site, Term, Tracker
from .store import BodyStore, Cache, GraphRef, SQLiteFile, digest

ENTRY_CHUNK = 32  # entries to a row: pages show neighbours in date order, which are mostly in one row
_LISTS = ("articles", "pages", "tags", "categories", "authors")
_SITE_FIELDS = [f.name for f in fields(Site) if f.name not in ("config", "tracker", "bodies", *_LISTS)]  # config, bodies: set again on loading


@dataclass(slots=True)
class Saved:
    """A graph as loaded or saved, ready for ``Builder``: the last build, its theme files, and the
    file that holds it."""

    last: LastBuild
    assets: Assets
    graph: GraphFile
    links: list[Links]  # the link tables, in the order rows refer to them
    digests: dict[str, list[str]]  # "card" and "view" -> each entry's, in entry order
    numbers: dict[int, int]  # id(entry) -> its place in entry order


class GraphFile(SQLiteFile):
    """The graph's SQLite file (forked render workers fill shells too: each process opens its own).

    Every connection checks that the file still holds the graph with ``token``: another build may
    have replaced it, and shells must never be filled from another graph."""

    def __init__(self, path: Path, token: str) -> None:
        super().__init__(path)
        self.token = token

    def _opened(self, db: sqlite3.Connection) -> None:
        found = db.execute("SELECT value FROM meta WHERE key = 'token'").fetchone()
        if found is None or bytes(found[0]) != self.token.encode():
            raise LookupError(f"the saved site graph {self.path} was replaced by another build while this one read it")

    def meta(self, key: str) -> bytes | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def update(self, token: str, entries: list[tuple[bytes, int]], meta: dict[str, bytes]) -> bool:
        """Replace entry rows, given as (data, row number), and meta values, in one transaction, if
        the file is still the graph with this token; False when another build has replaced it."""
        try:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            if self.meta("token") != token.encode():
                db.execute("ROLLBACK")
                return False
            db.executemany("UPDATE entries SET data = ? WHERE n = ?", entries)
            db.executemany("UPDATE meta SET value = ? WHERE key = ?", [(value, key) for key, value in meta.items()])
            db.execute("COMMIT")
        except (sqlite3.Error, LookupError):  # replaced under this connection (which still reads the old file)
            if self._conn is not None and self._conn.in_transaction:
                self._conn.rollback()
            return False
        self.token = meta["token"].decode()
        return True

    def rows(self, table: str, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Rows ``start`` to ``stop`` (exclusive; None: to the last)."""
        query = f"SELECT n, data FROM {table} WHERE n >= ? AND n < ? ORDER BY n"  # noqa: S608  (our own table names)
        for n, data in self._db().execute(query, (start, stop if stop is not None else 2**62)):
            yield n, bytes(data)

    def row(self, table: str, n: int) -> bytes:
        found = self._db().execute(f"SELECT data FROM {table} WHERE n = ?", (n,)).fetchone()  # noqa: S608  (our own table names)
        if found is None:
            raise LookupError(f"the saved site graph {self.path} has no {table} row {n}")
        return bytes(found[0])


def save(cache: Cache, last: LastBuild, assets: Assets, sources: dict[str, tuple[int, int]]) -> Saved:
    """Write the whole graph (after a full build) into a new file that replaces the old one.

    ``sources``: each article and page source's time and size as this build saw it."""
    last.reverse_maps()
    site = last.site
    entries, terms, authors, routes = site.articles + site.pages, site.tags + site.categories, site.authors, list(last.routes)
    refs = _Refs(entries, terms, authors, routes, [])
    number = refs.entry_numbers
    chunks = [(c // ENTRY_CHUNK, refs.dumps([_row(e) for e in entries[c : c + ENTRY_CHUNK]])) for c in range(0, len(entries), ENTRY_CHUNK)]
    route_rows = [(i, refs.dumps(_route_row(r), kind="routes")) for i, r in enumerate(routes)]
    head = {
        "terms": [_collection_row(t, number) for t in terms],
        "authors": [_collection_row(a, number) for a in authors],
        "site": {name: getattr(site, name) for name in _SITE_FIELDS},
        "links": refs.links,  # (met while writing the rows above; written here whole)
        "rels": [e.doc.rel for e in entries],
        "files": last.files,
        "entry_routes": [sorted(last.entry_routes.get(id(e), ())) for e in entries],
        "related_by": [[number[id(r)] for r in last.related_by.get(id(e), ())] for e in entries],
    }
    counts = pickle.dumps([len(getattr(site, name)) for name in _LISTS])
    digests = {"card": [e.card for e in entries], "view": [e.view for e in entries]}
    token = os.urandom(8).hex()
    path = cache.graph_file()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA journal_mode=OFF")  # a new file: nothing to roll back to
        db.execute("BEGIN")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        db.execute("CREATE TABLE entries (n INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        db.execute("CREATE TABLE routes (n INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("engine", cache.engine.encode()), ("token", token.encode()), ("counts", counts),
            ("head", refs.dumps(head, links_whole=True)), ("digests", _dump_digests(digests)),
            ("assets", pickle.dumps(assets, protocol=pickle.HIGHEST_PROTOCOL)),
        ])  # fmt: skip
        db.executemany("INSERT INTO entries VALUES (?, ?)", chunks)
        db.executemany("INSERT INTO routes VALUES (?, ?)", route_rows)
        db.execute("COMMIT")
    finally:
        db.close()
    tmp.replace(path)
    cache.state.graph = GraphRef(token, last.data_stamp, last.theme, digest(last.config_key.encode()), sources)
    return Saved(last, assets, GraphFile(path, token), refs.links, digests, refs.entry_numbers)


def save_edits(cache: Cache, saved: Saved, changed: list[Entry], sources: dict[str, tuple[int, int]], assets: Assets | None = None) -> bool:
    """Write the rows of the entries a body-edit build changed into the graph it loaded or saved
    (and ``assets``, the theme files, after a theme edit); False when that graph is no longer the
    saved one (another build saved its own since)."""
    ref, graph = cache.state.graph, saved.graph
    assert ref is not None and graph is not None, "edits belong to a saved graph"
    site = saved.last.site
    entries = site.articles + site.pages
    refs = _Refs(entries, site.tags + site.categories, site.authors, [], saved.links, saved.numbers)  # (rows hold no routes)
    number = refs.entry_numbers
    chunks = sorted({number[id(e)] // ENTRY_CHUNK for e in changed})
    token = os.urandom(8).hex()
    updates = [(refs.dumps([_row(e) for e in entries[c * ENTRY_CHUNK : (c + 1) * ENTRY_CHUNK]]), c) for c in chunks]
    for e in changed:
        saved.digests["card"][number[id(e)]], saved.digests["view"][number[id(e)]] = e.card, e.view
    meta = {"digests": _dump_digests(saved.digests), "token": token.encode()}
    if assets is not None:
        meta["assets"] = pickle.dumps(assets, protocol=pickle.HIGHEST_PROTOCOL)
    if not graph.update(ref.token, updates, meta):
        return False
    ref.token, ref.theme = token, saved.last.theme
    ref.sources.update(sources)
    if assets is not None:
        saved.assets = assets
    return True


def load(cache: Cache, config: SiteConfig, config_key: str) -> Saved | None:
    """The graph the output records belong to, or None when there is none that matches them.

    The caller has checked that the settings and other inputs are those the graph was made with
    (``GraphRef``); ``config_key`` is those settings, as the full build that made it knew them."""
    ref = cache.state.graph
    path = cache.graph_file()
    if ref is None or not path.is_file():
        return None
    graph = GraphFile(path, ref.token)
    try:
        if graph.meta("engine") != cache.engine.encode():
            graph.close()
            return None
        return _Loaded(graph, cache.bodies).saved(config, config_key, ref)
    except Exception:  # noqa: BLE001  a damaged graph is not used: the build links the site again
        graph.close()
        return None


class _Loaded:
    """One graph read from its file: the shells, and what fills them."""

    def __init__(self, graph: GraphFile, bodies: BodyStore) -> None:
        self.graph = graph
        self.bodies = bodies

    def saved(self, config: SiteConfig, config_key: str, ref: GraphRef) -> Saved:
        head_bytes, digest_bytes = self.graph.meta("head"), self.graph.meta("digests")
        if head_bytes is None or digest_bytes is None:
            raise LookupError("the saved site graph has no head")
        self.digests: dict[str, list[str]] = pickle.loads(digest_bytes)
        shell: type[_Shell] = type("SavedEntry", (_Shell,), {"__slots__": (), "graph": self})
        self.entries: list[Entry] = [shell.__new__(shell) for _ in self.digests["card"]]
        self.number = {id(e): i for i, e in enumerate(self.entries)}
        n_articles, n_pages, n_tags, n_categories, n_authors = pickle.loads(self.graph.meta("counts") or b"")
        self.terms = [Term.__new__(Term) for _ in range(n_tags + n_categories)]
        self.authors = [Author.__new__(Author) for _ in range(n_authors)]
        self.tracker = Tracker()
        self.links: list[Links] = []
        head = self._read(head_bytes)
        self.links.extend(head["links"])
        for shells, rows in ((self.terms, head["terms"]), (self.authors, head["authors"])):
            for obj, row in zip(shells, rows, strict=True):
                type(obj).__init__(obj, *row[:-1], [self.entries[n] for n in row[-1]])  # type: ignore[call-arg]
        routes = SavedRoutes(self, head["files"])
        self.routes = routes
        site = Site(
            config=config, tracker=self.tracker, bodies=self.bodies,
            articles=self.entries[:n_articles], pages=self.entries[n_articles:], tags=self.terms[:n_tags], categories=self.terms[n_tags:], authors=self.authors,
            **head["site"],
        )  # fmt: skip
        by_rel = dict(zip(head["rels"], self.entries, strict=True))
        last = LastBuild(
            config_key, ref.data_stamp, ref.theme, site, routes, _SavedDocs(by_rel, site.held_back), by_rel,
            entry_routes=_ByEntry(self.number, head["entry_routes"], set),
            related_by=_ByEntry(self.number, head["related_by"], lambda found: [self.entries[n] for n in found]),
            files=head["files"],
        )  # fmt: skip
        assets = pickle.loads(self.graph.meta("assets") or b"")
        return Saved(last, assets, self.graph, self.links, self.digests, self.number)

    def fill(self, entry: Entry) -> None:
        """Read the row holding ``entry`` and fill every shell in it (those not filled already)."""
        chunk = self.number[id(entry)] // ENTRY_CHUNK
        rows = self._read(self.graph.row("entries", chunk))
        for e, row in zip(self.entries[chunk * ENTRY_CHUNK : (chunk + 1) * ENTRY_CHUNK], rows, strict=True):
            if isinstance(e, _Shell):
                object.__setattr__(e, "__class__", Entry)
                Entry.__init__(e, *row)  # (a row holds the fields in order; the fastest way to set them all)

    def route(self, n: int, data: bytes | None = None) -> Route:
        path, template, context, origin, origin_line, in_sitemap = self._read(self.graph.row("routes", n) if data is None else data)
        return Route(path, template, context, origin, origin_line, in_sitemap)

    def _read(self, data: bytes) -> Any:
        return _Reader(data, self).load()

    def ref(self, kind: str, n: int) -> Any:
        if kind == "E":
            return self.entries[n]
        if kind == "T":
            return self.terms[n]
        if kind == "A":
            return self.authors[n]
        if kind == "R":
            return self.routes[n]
        if kind == "L":
            return self.links[n]
        return self.tracker if kind == "K" else self.bodies


class _Shell(Entry):
    """An entry of a saved graph not read yet: reading any field but its digests reads its row."""

    __slots__ = ()
    graph: _Loaded  # set on the class made for each loaded graph

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ("card", "view"):  # what signatures read of every entry a page lists: kept apart, read whole
            return self.graph.digests[name][self.graph.number[id(self)]]
        self.graph.fill(self)
        return getattr(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.graph.fill(self)  # read before written: reading it later would undo the write
        object.__setattr__(self, name, value)


class SavedRoutes(Sequence[Route]):
    """A saved graph's routes, each read when first asked for."""

    ONE_BY_ONE = 64  # routes read one at a time before the rest are read in one query

    def __init__(self, loaded: _Loaded, files: list[str]) -> None:
        self._loaded = loaded
        self._routes: list[Route | None] = [None] * len(files)
        self._misses = 0

    def __len__(self) -> int:
        return len(self._routes)

    def __getitem__(self, n: int) -> Route:  # type: ignore[override]
        found = self._routes[n]
        if found is None:
            self._misses += 1
            if self._misses > self.ONE_BY_ONE:  # (the sitemap's route holds every route: 17,600 queries)
                self.read(0, len(self._routes))
                found = self._routes[n]
            if found is None:
                found = self._routes[n] = self._loaded.route(n)
        return found

    def __iter__(self) -> Iterator[Route]:
        """Every route: the rows not read yet in one query."""
        self.read(0, len(self._routes))
        return (route for route in self._routes if route is not None)

    def read_many(self, numbers: list[int]) -> None:
        """Read these routes (sorted) ahead, in one query when they are most of their range (a
        theme edit's render workers each read their share of 17,600); else as each is asked for."""
        if numbers and 2 * len(numbers) > numbers[-1] - numbers[0]:
            self.read(numbers[0], numbers[-1] + 1)

    def read(self, start: int, stop: int) -> None:
        """Read the routes from ``start`` to ``stop`` not read yet in one query."""
        if None in self._routes[start:stop]:
            for n, data in self._loaded.graph.rows("routes", start, stop):
                if self._routes[n] is None:
                    self._routes[n] = self._loaded.route(n, data)


class _ByEntry(Mapping[int, Any]):
    """id(entry) -> a value kept in a list in entry order, made when asked for: most entries'
    are never asked for in a build that edits a few."""

    def __init__(self, number: dict[int, int], values: list[Any], make: Callable[[Any], Any]) -> None:
        self._number, self._values, self._make = number, values, make

    def __getitem__(self, key: int) -> Any:
        found = self._values[self._number[key]]
        if not found:
            raise KeyError(key)
        return self._make(found)

    def __iter__(self) -> Iterator[int]:
        return (key for key, n in self._number.items() if self._values[n])

    def __len__(self) -> int:
        return sum(1 for found in self._values if found)


class _SavedDocs(Mapping[str, Document]):
    """Source path -> front matter as built, for a saved graph: read from an entry only when asked."""

    def __init__(self, by_rel: dict[str, Entry], held_back: dict[str, Document]) -> None:
        self._by_rel, self._held_back = by_rel, held_back

    def __getitem__(self, rel: str) -> Document:
        entry = self._by_rel.get(rel)
        return entry.doc if entry is not None else self._held_back[rel]

    def __iter__(self) -> Iterator[str]:
        yield from self._by_rel
        yield from (rel for rel in self._held_back if rel not in self._by_rel)

    def __len__(self) -> int:
        return len(self._by_rel.keys() | self._held_back.keys())


class _Reader(pickle.Unpickler):
    """Unpickles a row, turning each reference back into the object of this graph it names."""

    def __init__(self, data: bytes, loaded: _Loaded) -> None:
        super().__init__(io.BytesIO(data))
        self._loaded = loaded

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_ref":
            return self._loaded.ref
        return super().find_class(module, name)


def _ref(kind: str, n: int) -> Any:
    raise RuntimeError("a graph reference is read by _Reader")  # (the name pickles refer to)


class _Refs:
    """Pickles values with every entry, term, author, route, link table, tracker and body store
    written as a reference to its index."""

    def __init__(
        self, entries: list[Entry], terms: list[Term], authors: list[Author], routes: list[Route], links: list[Links],
        entry_numbers: dict[int, int] | None = None,
    ) -> None:  # fmt: skip
        """``entry_numbers``: id(entry) -> its place in entry order, when the graph already has it."""
        self.entry_numbers = entry_numbers or {id(e): i for i, e in enumerate(entries)}
        self.numbers: dict[int, tuple[str, int]] = {}  # every other object rows refer to
        for kind, objects in (("T", terms), ("A", authors), ("R", routes), ("L", links)):
            self.numbers.update((id(o), (kind, i)) for i, o in enumerate(objects))
        self.links = list(links)
        self.entry_types = {type(e) for e in entries}  # Entry, and the shell class of a loaded graph (unread entries)
        self._rows: dict[str, tuple[pickle.Pickler, io.BytesIO]] = {}  # kind of row -> the pickler for it

    def reference(self, obj: Any) -> tuple[Any, ...]:
        n = self.entry_numbers.get(id(obj))
        return _ref, ("E", n) if n is not None else self.numbers[id(obj)]

    def link_table(self, obj: Links) -> tuple[Any, ...]:
        if id(obj) not in self.numbers:
            self.numbers[id(obj)] = ("L", len(self.links))
            self.links.append(obj)
        return _ref, self.numbers[id(obj)]

    def dumps(self, value: Any, links_whole: bool = False, kind: str = "entries") -> bytes:
        """``links_whole``: write link tables themselves (the head's list of them), not references.

        One pickler serves every row of a ``kind``: making one per row was most of the time of
        saving 17,000 routes. Clearing a pickler's memo costs what its largest row made it, so
        rows of one size share one, and a big row (the sitemap's) leaves a new one behind it."""
        if links_whole:
            return self._pickled(value, self._pickler(links_whole=True))
        made = self._rows.get(kind) or self._rows.setdefault(kind, self._pickler(links_whole=False))
        data = self._pickled(value, made)
        if len(data) > 1 << 16:
            del self._rows[kind]
        return data

    def _pickler(self, links_whole: bool) -> tuple[pickle.Pickler, io.BytesIO]:
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        table: dict[type, Any] = {
            Entry: self.reference, Term: self.reference, Author: self.reference, Route: self.reference,
            Tracker: lambda _: (_ref, ("K", 0)), BodyStore: lambda _: (_ref, ("B", 0)),
            Document: lambda d: (_document, tuple(d.__dict__[name] for name in _DOC_FIELDS)),  # (the same, for every entry read)
        }  # fmt: skip
        table.update((cls, self.reference) for cls in self.entry_types)
        if not links_whole:
            table[Links] = self.link_table
        pickler.dispatch_table = table
        return pickler, out

    @staticmethod
    def _pickled(value: Any, made: tuple[pickle.Pickler, io.BytesIO]) -> bytes:
        pickler, out = made
        out.seek(0)
        out.truncate()
        pickler.clear_memo()  # each row is read on its own
        pickler.dump(value)
        return out.getvalue()


def _document(*values: Any) -> Document:
    doc = Document.__new__(Document)
    doc.__dict__.update(zip(_DOC_FIELDS, values, strict=True))
    return doc


_DOC_FIELDS = [f.name for f in fields(Document)]


def _dump_digests(digests: dict[str, list[str]]) -> bytes:
    return pickle.dumps(digests, protocol=pickle.HIGHEST_PROTOCOL)


def _route_row(route: Route) -> tuple[Any, ...]:
    return route.path, route.template, route.context, route.origin, route.origin_line, route.in_sitemap


def _collection_row(obj: Term | Author, number: dict[int, int]) -> tuple[Any, ...]:
    """A term's or author's row with its members as entry numbers (``members`` is its last field):
    a list of numbers reads back far faster than as many references."""
    return (*_row(obj)[:-1], [number[id(e)] for e in obj.members])


def _row(obj: Entry | Term | Author) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in _SLOTS[type(obj) if type(obj) in _SLOTS else Entry])


_SLOTS = {cls: cls.__slots__ for cls in (Entry, Term, Author)}
assert all(slots == tuple(f.name for f in fields(cls)) for cls, slots in _SLOTS.items()), "a row is read back by __init__"
assert _SLOTS[Term][-1] == _SLOTS[Author][-1] == "members", "rows of terms and authors end with their members"
