"""Is the output already up to date? Answered from file sizes and times alone, before any heavy import.

A build with nothing to do must cost almost nothing at 10,000 articles: it stats every input
file, compares one hash with the last good build's, and checks that the clock has not reached
the next scheduled change (a future article's date, a promo's start or end).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .config import BuildOptions, Paths
from .processes import may_fork
from .store import Cache

RACY_NS = 3_000_000_000  # a file changed this recently may change again within the clock's grain


def trusted_mtime(mtime_ns: int) -> int:
    """A time to trust next build, or -1 when the file is so fresh that the next check must read it."""
    return -1 if time.time_ns() - mtime_ns < RACY_NS else mtime_ns


@dataclass(frozen=True, slots=True)
class Stamps:
    """What one walk over the inputs found."""

    all: str  # every input file's size and time, with the engine and the options; "" when too fresh to trust
    data: str  # the same for content/ without the article and page sources: settings, data and media
    sources: dict[str, tuple[int, int]]  # article and page source (path in content/) -> (mtime_ns, size)
    data_files: dict[str, tuple[int, int]]  # the other files of content/ the same way


def input_stamps(paths: Paths, engine: str, options: BuildOptions) -> Stamps:
    """Stat every input file once: the stamps, and each source's time and size (so that a
    command-line build can tell which sources changed without reading the cache index)."""
    return _stamps(walk_inputs(str(paths.content), str(paths.templates)), engine, options, paths)


@dataclass(frozen=True, slots=True)
class Walk:
    """What statting every input found, before the engine and the options join it."""

    all: str  # digest of every input's path, time and size
    data: str  # the same for content/ without the article and page sources
    newest: int  # the latest mtime_ns among all inputs
    newest_data: int
    sources: dict[str, tuple[int, int]]
    data_files: dict[str, tuple[int, int]]


def walk_inputs(content: str, templates: str) -> Walk:
    sources = tuple(os.path.join(content, kind) for kind in ("articles", "pages"))
    below = tuple(s + os.sep for s in sources)
    prefix = len(content) + 1
    found: dict[str, tuple[int, int]] = {}
    others: dict[str, tuple[int, int]] = {}
    lines: list[str] = []  # every input: "path NUL time NUL size", hashed at the end in one go
    data: list[str] = []  # the same for content/ without the article and page sources
    newest = newest_data = 0
    for top in (content, templates):
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            inside = folder in sources or folder.startswith(below)
            is_source = inside and not any(part.startswith(".") for part in folder[prefix:].split(os.sep))
            for name in sorted(names):
                path = folder + os.sep + name
                st = os.stat(path)
                mtime, size = st.st_mtime_ns, st.st_size
                line = f"{path}\0{mtime}\0{size}\n"
                lines.append(line)
                newest = max(newest, mtime)
                if is_source and name.endswith(".md") and not name.startswith("."):
                    found[path[prefix:].replace(os.sep, "/")] = (mtime, size)
                elif top is content:
                    data.append(line)
                    others[path[prefix:].replace(os.sep, "/")] = (mtime, size)
                    newest_data = max(newest_data, mtime)
    return Walk(_hash("", lines), _hash("", data), newest, newest_data, found, others)


def _stamps(walk: Walk, engine: str, options: BuildOptions, paths: Paths) -> Stamps:
    """A stamp is empty when a file changed in the last few seconds: a second edit of the same size
    inside the file system's time grain would leave it equal (git calls this "racy")."""
    head = repr((engine, options.drafts, options.future, options.base_url, options.now, options.fingerprint, str(paths.output)))
    now = time.time_ns()
    return Stamps(
        "" if now - walk.newest < RACY_NS else _hash(head, [walk.all]),
        "" if now - walk.newest_data < RACY_NS else _hash(head, [walk.data]),
        walk.sources,
        walk.data_files,
    )


def theme_digest(templates: Path) -> str:
    """Every file of the theme by its bytes, not its time: a build reads them all anyway (two
    dozen small files), so an edit a moment ago is told apart as surely as an old one."""
    h = hashlib.sha256()
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        data = path.read_bytes()
        h.update(f"{path.relative_to(templates).as_posix()}\0{len(data)}\0".encode() + data)
    return h.hexdigest()[:32]


def _hash(head: str, lines: list[str]) -> str:
    return hashlib.blake2b((head + "".join(lines)).encode(), digest_size=16).hexdigest()


class _Walker:
    """``walk_inputs`` in a forked child, so that statting 10,000 files (~0.08 s) overlaps what the
    parent does meanwhile (importing the build's modules). A thread would not: after each stat it
    waits for the importing thread to hand back the interpreter lock."""

    def __init__(self, paths: Paths) -> None:
        self.args = (str(paths.content), str(paths.templates))
        self.pid, self.pipe = 0, -1
        if may_fork():
            read, write = os.pipe()
            self.pid = os.fork()
            if self.pid == 0:  # the child: walk, send, and leave without running the parent's exit handlers
                try:
                    os.close(read)
                    w = walk_inputs(*self.args)
                    with os.fdopen(write, "wb") as out:
                        out.write(marshal.dumps((w.all, w.data, w.newest, w.newest_data, w.sources, w.data_files)))
                finally:  # on any failure the parent reads nothing, walks again and meets the problem itself
                    os._exit(0)
            os.close(write)
            self.pipe = read

    def result(self) -> Walk:
        data = b""
        if self.pid:
            with os.fdopen(self.pipe, "rb") as found:
                data = found.read()
            os.waitpid(self.pid, 0)
        return Walk(*marshal.loads(data)) if data else walk_inputs(*self.args)


def up_to_date(cache: Cache, paths: Paths, stamp: str, moment: datetime) -> bool:
    state = cache.state
    return cache.persistent and stamp != "" and state.stamp == stamp and (state.next_change is None or moment < state.next_change) and paths.output.is_dir()


def quick_check(paths: Paths, options: BuildOptions, meanwhile: Callable[[], object] | None = None) -> tuple[bool, Stamps | None, Cache | None]:
    """(True when a build would change nothing, the input stamps it computed, the cache it opened);
    imports nothing heavy itself.

    The stamps and the cache go on to the build, which would otherwise stat every input file and
    read the output records a second time. ``meanwhile`` runs while a child process stats the
    inputs (the command line imports the build there: ~0.2 s that a build with nothing to do
    wastes, on a core the walk does not use).
    """
    if not options.use_cache:
        return False, None, None
    walker = _Walker(paths) if meanwhile else None
    cache = Cache(paths.root / ".cache", paths.output)
    moment = options.now or datetime.now().astimezone()
    if meanwhile:
        meanwhile()
    stamps = _stamps(walker.result(), cache.engine, options, paths) if walker else input_stamps(paths, cache.engine, options)
    return up_to_date(cache, paths, stamps.all, moment), stamps, cache
