"""Drawing pages and writing outputs: each route's plan (is its signature unchanged?), its drawing through the
theme, and its bytes written where they were made; on every core for many pages (forked workers
inherit the job instead of receiving it)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import graphstore
from .compile import worker_gc
from .deps import Signatures, h
from .errors import BuildError, ErrorList
from .freshness import trusted_mtime
from .layouts import Layering, StandInLeaked, Tap
from .output import Staged, Writer
from .processes import may_fork
from .routes import Route
from .site import Site
from .store import OutputRecord, digest
from .templates import TemplateProblem, Templates

PARALLEL_RENDER_FROM = 400  # pages; fewer are drawn faster in one process


@dataclass(slots=True)
class _Todo:
    """A page to draw, and what its plan found out."""

    route: Route
    sig: str  # its signature before site-wide reads
    inner_sig: str  # the same for the blocks its template fills, without the layouts ("" if not reusable)
    layered: Layering | None  # the blocks its template fills, to be tapped (``layouts.Tap``); None: drawn plainly
    reuse: OutputRecord | None  # the last drawing, when only its layouts changed: its blocks are taken from it
    old: OutputRecord | None  # the last build's record
    full: str  # the full signature, should the page read what it read last time ("" if unknown)
    inner_full: str  # the same for its blocks


@dataclass(slots=True)
class Job:
    """Routes to look at and draw where their signature changed, with what that needs; forked
    workers inherit it instead of receiving it, and both plan and draw (the parent shares their
    two cores: at 10,000 articles planning alone took a second)."""

    templates: Templates
    site: Site
    signatures: Signatures
    routes: Sequence[Route]
    looked_at: list[int]  # indices into routes
    previous: Mapping[str, OutputRecord]
    writer: Writer


@dataclass(slots=True)
class _Page:
    """A drawn page as the parent needs it: the bytes stay where they were made and written."""

    record: OutputRecord
    staged: Staged | None  # where the worker stored the bytes; None when the output already had them
    reused: bool  # its blocks came from the last drawing
    template: str
    seconds: float  # drawing it (for the build's report: the slowest templates)


_Drawn = tuple[str, _Page | BuildError | None]  # (output file, the page; None: its signature stands)


def render(job: Job, errors: ErrorList, jobs: int | None) -> Iterator[tuple[str, _Page | None]]:
    """Yield (output file, page or None when it kept its signature) for each route looked at; a
    broken template is reported once."""
    jobs = jobs or os.cpu_count() or 1
    count = len(job.looked_at)
    parallel = jobs > 1 and count >= PARALLEL_RENDER_FROM and may_fork()  # (workers inherit the job: without fork, drawn here)
    drawn = _drawn_in_workers(job, jobs) if parallel else _draw_range(job, 0, count)
    seen: set[BuildError] = set()
    for file, page in drawn:
        if isinstance(page, BuildError):
            if page not in seen:
                seen.add(page)
                errors.errors.append(page)
            continue
        yield file, page


def _plan(job: Job, route: Route) -> _Todo | None:
    """What drawing ``route`` needs, or None when its signature says its output cannot differ."""
    signatures = job.signatures
    route_sig, inner_sig = signatures.route(route)
    old = job.previous.get(route.file)
    full = signatures.full(route_sig, old.globals) if old else ""
    if old and old.signature == full:
        if job.writer.exists(route.file):
            return None
        old = None  # (deleted by hand: drawn and written again)
    layered = signatures.templates.layering(route.template)[0] if inner_sig else None
    inner_full = signatures.full(inner_sig, old.inner_reads) if old and layered and old.spans else ""
    reuse = old if inner_full and old and old.inner == inner_full else None
    return _Todo(route, route_sig, inner_sig, layered, reuse, old, full, inner_full)


def _draw_range(job: Job, start: int, stop: int) -> Iterator[_Drawn]:
    """Plan, draw and write the routes job.looked_at[start:stop]; after a template fails once,
    skip its other pages.

    Encoding, hashing and writing happen here, in the worker that drew the page: sending 17,000
    pages of HTML back to one parent process to write made the parent the bottleneck."""
    failed: set[str] = set()
    mine = job.looked_at[start:stop]
    if isinstance(job.routes, graphstore.SavedRoutes):
        job.routes.read_many(mine)
    for i in mine:
        route = job.routes[i]
        if route.template in failed:
            continue
        item = _plan(job, route)
        if item is None:
            yield route.file, None
            continue
        started = time.perf_counter()
        drawn = _draw(job, item)
        seconds = time.perf_counter() - started
        if isinstance(drawn, BuildError):
            failed.add(route.template)
            yield route.file, drawn
            continue
        data, read, tap, reused = drawn
        bytes_hash = digest(data)
        old = item.old
        same = old and old.bytes_hash == bytes_hash and job.writer.exists(route.file)  # (asked only now: most pages differ)
        stored = None if same else job.writer.store(route.file, data)
        reads, last = tuple(sorted(read)), old or _NO_RECORD
        full = _signed(job.signatures, item.full, last.globals, item.sig, reads)  # (most pages read what they read last time)
        if tap is None:
            record = OutputRecord(full, bytes_hash, reads)
        else:  # what the tapped blocks (and the page template's own top level) read, and where they stand
            inner_reads = tuple(sorted(tap.reads))
            inner = _signed(job.signatures, item.inner_full, last.inner_reads, item.inner_sig, inner_reads) if tap.spans else ""
            record = OutputRecord(full, bytes_hash, reads, inner, inner_reads, tap.spans)
        yield route.file, _Page(record, stored, reused, route.template, seconds)


_NO_RECORD = OutputRecord("", "")


def _signed(signatures: Signatures, planned: str, assumed: tuple[str, ...], sig: str, reads: tuple[str, ...]) -> str:
    """The full signature of ``sig`` with ``reads``: ``planned`` when the plan computed it for these reads."""
    return planned if planned and reads == assumed else signatures.full(sig, reads)


def _draw(job: Job, item: _Todo) -> tuple[bytes, set[str], Tap | None, bool] | BuildError:
    """(the page's bytes, what it read, its tap when its blocks were tapped, whether they were reused)."""
    templates, site, route = job.templates, job.site, item.route
    context = {**route.context, "path": route.path}
    layered = item.layered
    given = _last_blocks(job.writer, route.file, item.reuse, layered.raw) if layered is not None else None
    read = site.tracker.begin(route.context)
    try:
        if layered is None:
            return templates.render(route.template, context).encode(), read, None, False
        tap = _tap(layered.blocks, item.reuse, site, read, given)
        try:
            page = templates.render(route.template, context, tap)
        except StandInLeaked:
            tap = _tap(layered.blocks, item.reuse, site, read, {name: _text(block) for name, block in tap.given.items()})
            page = templates.render(route.template, context, tap)
        return page, read, tap, bool(tap.given)
    except TemplateProblem as problem:
        return BuildError(ErrorList(templates.folder.parent).display(problem.path), problem.line, problem.message)
    finally:
        site.tracker.end()


def _tap(blocks: frozenset[str], reuse: OutputRecord | None, site: Site, read: set[str], given: dict[str, str | bytes] | None) -> Tap:
    tap = Tap(blocks, site.tracker, given)
    if tap.given and reuse is not None:
        read.update(reuse.inner_reads)  # the blocks taken read these last time
        tap.reads.update(reuse.inner_reads)
    return tap


def _text(block: str | bytes) -> str:
    return block.decode() if isinstance(block, bytes) else block


def _last_blocks(writer: Writer, rel: str, last: OutputRecord | None, raw: frozenset[str]) -> dict[str, str | bytes] | None:
    """The blocks' text in the page as last written, if the file is still what that build wrote:
    as bytes for the blocks in ``raw``, decoded for the others."""
    data = writer.read(rel) if last is not None else None
    if last is None or data is None or digest(data) != last.bytes_hash:
        return None
    return {name: data[start:end] if name in raw else data[start:end].decode() for name, start, end in last.spans}


_FORKED: Job | None = None


def _render_slice(bounds: tuple[int, int]) -> list[_Drawn]:
    """In a forked worker: draw a slice of the parent's list (inherited, not shipped)."""
    assert _FORKED is not None
    worker_gc()
    drawn = list(_draw_range(_FORKED, *bounds))
    _FORKED.writer.flush()
    return drawn


def _drawn_in_workers(job: Job, jobs: int) -> Iterator[_Drawn]:
    global _FORKED
    _FORKED = job
    slices = _shrinking_slices(len(job.looked_at), jobs)
    from multiprocessing import get_context  # (a build that draws a few pages never starts workers)

    try:
        with get_context("fork").Pool(jobs) as pool:
            for batch in pool.imap(_render_slice, slices):
                yield from batch
    finally:
        _FORKED = None


def _shrinking_slices(count: int, jobs: int) -> list[tuple[int, int]]:
    """Bounds of the work handed out, large slices first and small ones last, so that workers
    finish together (equal slices of 1,500 pages left one worker drawing its last alone)."""
    slices, start = [], 0
    while start < count:
        stop = min(count, start + max(100, (count - start) // (jobs * 3)))
        slices.append((start, stop))
        start = stop
    return slices


def copy_file(writer: Writer, source: Path, rel: str, old: OutputRecord | None) -> OutputRecord:
    """Copy a media file or a processed picture unless the output already has these bytes."""
    st = source.stat()
    mtime = trusted_mtime(st.st_mtime_ns)  # -1 when too recent to trust: look at the bytes next time
    sig = h("file", st.st_size, mtime)
    if old and old.signature == sig and mtime >= 0 and writer.exists(rel):
        return old
    data_hash = digest(source.read_bytes())
    if not (old and old.bytes_hash == data_hash and writer.exists(rel)):
        writer.copy(source, rel)
    return OutputRecord(sig, data_hash)


def put_file(writer: Writer, rel: str, data: bytes, old: OutputRecord | None) -> OutputRecord:
    """Write generated bytes unless the output already has them."""
    data_hash = digest(data)
    if not (old and old.bytes_hash == data_hash and writer.exists(rel)):
        writer.write(rel, data)
    return OutputRecord(data_hash, data_hash)
