"""Is the output already up to date? Answered from file sizes and times alone, before any heavy import.

A build with nothing to do must cost almost nothing at 10,000 articles: it stats every input
file, compares one hash with the last good build's, and checks that the clock has not reached
the next scheduled change (a future article's date, a promo's start or end).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import datetime

from .config import BuildOptions, Paths
from .store import Cache

RACY_NS = 3_000_000_000  # a file changed this recently may change again within the clock's grain


@dataclass(frozen=True, slots=True)
class Stamps:
    """What one walk over the inputs found."""

    all: str  # every input file's size and time, with the engine and the options; "" when too fresh to trust
    other: str  # the same for every input but the article and page sources (the preview's fast path)
    sources: dict[str, tuple[int, int]]  # article and page source (path in content/) -> (mtime_ns, size)


def input_stamps(paths: Paths, engine: str, options: BuildOptions) -> Stamps:
    """Stat every input file once: the stamps, and each source's time and size (so that a
    command-line build can tell which sources changed without reading the cache index).

    A stamp is empty when a file changed in the last few seconds: a second edit of the same size
    inside the file system's time grain would leave it equal (git calls this "racy").
    """
    content = str(paths.content)
    sources = tuple(os.path.join(content, kind) for kind in ("articles", "pages"))
    below = tuple(s + os.sep for s in sources)
    prefix = len(content) + 1
    found: dict[str, tuple[int, int]] = {}
    lines: list[str] = []  # every input: "path NUL time NUL size", hashed at the end in one go
    other: list[str] = []  # the same without the article and page sources
    newest = newest_other = 0
    for top in (paths.content, paths.templates):
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
                else:
                    other.append(line)
                    newest_other = max(newest_other, mtime)
    head = repr((engine, options.drafts, options.future, options.base_url, options.now, options.fingerprint, str(paths.output)))
    now = time.time_ns()
    return Stamps(
        "" if now - newest < RACY_NS else _hash(head, lines),
        "" if now - newest_other < RACY_NS else _hash(head, other),
        found,
    )


def _hash(head: str, lines: list[str]) -> str:
    return hashlib.blake2b((head + "".join(lines)).encode(), digest_size=16).hexdigest()


def up_to_date(cache: Cache, paths: Paths, stamp: str, moment: datetime) -> bool:
    state = cache.state
    return cache.persistent and stamp != "" and state.stamp == stamp and (state.next_change is None or moment < state.next_change) and paths.output.is_dir()


def quick_check(paths: Paths, options: BuildOptions) -> tuple[bool, Stamps | None, Cache | None]:
    """(True when a build would change nothing, the input stamps it computed, the cache it opened);
    imports nothing heavy.

    The stamps and the cache go on to the build, which would otherwise stat every input file and
    read the output records a second time.
    """
    if not options.use_cache:
        return False, None, None
    cache = Cache(paths.root / ".cache", paths.output)
    moment = options.now or datetime.now().astimezone()
    stamps = input_stamps(paths, cache.engine, options)
    return up_to_date(cache, paths, stamps.all, moment), stamps, cache
