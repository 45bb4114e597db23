"""Source file -> checked Document + converted body: the unit of work, run on every core.

Only paths go to the worker processes and only results come back, so little is copied
between them; the parent stores the bodies and keeps the rest in the cache index.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .config import SiteConfig
from .content import KINDS, parse_document, source_files
from .errors import ErrorList
from .freshness import trusted_mtime
from .processes import pool_context
from .store import Cache, SourceRecord, digest

if TYPE_CHECKING:
    from .markup import Converter

PARALLEL_FROM = 64  # below this many files, starting processes costs more than it saves
_converter: Converter | None = None


@dataclasses.dataclass(slots=True)
class Compiled:
    rel: str
    record: SourceRecord
    html: str


def compile_one(path: Path, content: Path, root: Path, tz_name: str) -> Compiled:
    """Read, check and convert one file; its problems travel inside the record."""
    global _converter
    stat = path.stat()
    raw = path.read_bytes()
    mtime = trusted_mtime(stat.st_mtime_ns)
    errors = ErrorList(root)
    doc = parse_document(raw, path, content, ZoneInfo(tz_name), errors)
    text_hash = digest(raw)
    if doc is None:
        return Compiled(path.relative_to(content).as_posix(), SourceRecord(mtime, stat.st_size, text_hash, None, None, tuple(errors.errors)), "")
    if _converter is None:
        from .markup import Converter  # (here: a build that converts nothing never imports Python-Markdown)

        _converter = Converter()
    rendered = _converter.convert(doc.body, doc.source_dir, doc.body_line)
    record = SourceRecord(
        mtime, stat.st_size, text_hash,
        dataclasses.replace(doc, body=""), dataclasses.replace(rendered, html=""), tuple(errors.errors),
    )  # fmt: skip
    return Compiled(doc.rel, record, rendered.html)


def _compile_chunk(args: tuple[list[Path], Path, Path, str]) -> list[Compiled]:
    worker_gc()
    paths, content, root, tz_name = args
    return [compile_one(p, content, root, tz_name) for p in paths]


_WORKER_GC = [False]


def worker_gc() -> None:
    """In a forked worker: leave the parent's objects out of cycle collection, collect our own.

    The parent pauses the collector during a build; a worker making thousands of pages needs it
    back for its own garbage, but walking the inherited graph would copy its memory pages.
    """
    if not _WORKER_GC[0]:
        _WORKER_GC[0] = True
        gc.freeze()
        # A page's or an article's garbage dies young: collecting every 700 allocations (Python's
        # default) moved much of it into older generations to be walked again. At 20,000 a theme
        # edit's render workers spent 0.15 s each collecting instead of 0.3-0.4 s.
        gc.set_threshold(20_000, 20, 20)
        gc.enable()


def compile_many(paths: list[Path], content: Path, root: Path, tz_name: str, jobs: int | None = None):  # type: ignore[no-untyped-def]
    """Yield Compiled results for ``paths``, using every core when there are many."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(paths) < PARALLEL_FROM:
        for p in paths:
            yield compile_one(p, content, root, tz_name)
        return
    size = max(8, min(64, len(paths) // (jobs * 8)))
    chunks = [(paths[i : i + size], content, root, tz_name) for i in range(0, len(paths), size)]
    from concurrent.futures import ProcessPoolExecutor  # (a build that converts a few sources never starts workers)

    with ProcessPoolExecutor(max_workers=jobs, mp_context=pool_context()) as pool:
        for batch in pool.map(_compile_chunk, chunks):
            yield from batch


def hinted_sources(content: Path, hint: set[str] | None) -> set[str] | None:
    """The sources (paths in content/) a watcher's hint names, or None unless it names sources only."""
    if not hint:
        return None
    root = str(content.resolve())
    found = set()
    for path in hint:
        rel = os.path.relpath(os.path.realpath(path), root).replace(os.sep, "/")
        parts = rel.split("/")
        if parts[0] not in KINDS or not rel.endswith(".md") or any(p.startswith(".") for p in parts) or os.path.isdir(path):
            return None
        found.add(rel)
    return found


def refresh_index(
    cache: Cache, content: Path, root: Path, config: SiteConfig, errors: ErrorList, jobs: int | None, only: set[str] | None = None
) -> tuple[int, set[str]]:
    """Bring the cache index up to date with content/ (with ``only``: with those sources); convert
    only what changed. (How many were converted, the sources that changed.)"""
    index = cache.index
    tz = str(config.timezone)
    if only is None and index and next(iter(index.values())).tz != tz:  # (``only``: the settings are as last time)
        index.clear()  # dates were read in another timezone
    if only is not None:
        current = {rel: str(content / rel) for rel in sorted(only) if (content / rel).is_file()}
        changed = {rel for rel in only if rel in index and rel not in current}
    else:
        prefix = len(str(content)) + 1
        current = {p[prefix:].replace(os.sep, "/"): p for p in source_files(content)}  # strings: 10,000 Paths cost 0.3 s
        changed = set(index) - set(current)
    for gone in changed:
        del index[gone]
    stale = []
    lost = bodies_lost(cache) if only is None else set()
    for rel, path in current.items():
        record, st = index.get(rel), os.stat(path)
        if record is not None and record.mtime_ns == st.st_mtime_ns and record.size == st.st_size and rel not in lost:
            continue
        with open(path, "rb") as f:
            if record is not None and rel not in lost and record.text_hash == digest(f.read()):  # touched, not changed
                record.mtime_ns, record.size = trusted_mtime(st.st_mtime_ns), st.st_size
                index[rel] = record  # noted as changed, so that it is saved
                continue
        stale.append(Path(path))
    pending: list[tuple[str, str]] = []
    for done in compile_many(stale, content, root, tz, jobs):
        done.record.tz = tz
        index[done.rel] = done.record
        changed.add(done.rel)
        if done.record.rendered is not None:  # (an empty body is a body too: its pages read it)
            pending.append((done.record.text_hash, done.html))
        if len(pending) >= 256:
            cache.bodies.put_many(pending)
            pending = []
    if pending:
        cache.bodies.put_many(pending)
    for rel in sorted(index if only is None else (rel for rel in only if rel in index)):  # with ``only``, the rest passed last time
        for e in index[rel].errors:
            errors.errors.append(e)
    return len(stale), changed


def bodies_lost(cache: Cache) -> set[str]:
    """Sources whose converted body is missing from the store (a damaged cache): converted again,
    not reported as a page's error. A full build asks; 10,000 keys take milliseconds."""
    index = cache.index
    if not cache.persistent or not index:
        return set()
    kept = cache.bodies.keys()
    return {rel for rel, r in index.items() if r.rendered is not None and r.text_hash not in kept}
