"""Source file -> checked Document + converted body: the unit of work, run on every core.

Only paths go to the worker processes and only results come back, so little is copied
between them; the parent stores the bodies and keeps the rest in the cache index.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from .content import parse_document
from .errors import ErrorList
from .freshness import trusted_mtime
from .markup import Converter
from .processes import pool_context
from .store import SourceRecord, digest

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
    _converter = _converter or Converter()
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
