"""Is the output already up to date? Answered from file sizes and times alone, before any heavy import.

A build with nothing to do must cost almost nothing at 10,000 articles: it stats every input
file, compares one hash with the last good build's, and checks that the clock has not reached
the next scheduled change (a future article's date, a promo's start or end).
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime

from .config import BuildOptions, Paths
from .store import Cache


RACY_NS = 3_000_000_000  # a file changed this recently may change again within the clock's grain


def input_stamp(paths: Paths, engine: str, options: BuildOptions) -> str:
    """Size and modification time of every input file, with the engine and the options.

    Empty when a file changed in the last few seconds: a second edit of the same size inside
    the file system's time grain would leave the stamp equal (git calls this "racy").
    """
    h = hashlib.blake2b(digest_size=16)
    newest = 0
    h.update(repr((engine, options.drafts, options.future, options.base_url, options.now, str(paths.output))).encode())
    for top in (paths.content, paths.templates):
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            for name in sorted(names):
                st = os.stat(os.path.join(folder, name))
                newest = max(newest, st.st_mtime_ns)
                h.update(f"{folder}/{name}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    return "" if time.time_ns() - newest < RACY_NS else h.hexdigest()


def up_to_date(cache: Cache, paths: Paths, stamp: str, moment: datetime) -> bool:
    state = cache.state
    return (
        cache.persistent
        and stamp != ""
        and state.stamp == stamp
        and (state.next_change is None or moment < state.next_change)
        and paths.output.is_dir()
    )


def quick_check(paths: Paths, options: BuildOptions) -> bool:
    """True when a build would change nothing; imports nothing heavy."""
    if not options.use_cache:
        return False
    cache = Cache(paths.root / ".cache", paths.output)
    moment = options.now or datetime.now().astimezone()
    return up_to_date(cache, paths, input_stamp(paths, cache.engine, options), moment)
