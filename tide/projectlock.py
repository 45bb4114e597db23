"""One build of a project at a time.

A command-line build, the preview and ``clean`` share the project's cache (the compiled bodies
and their index) and may share an output folder. Two of them at once could tear a cache file,
wait on SQLite's write lock until it gives up, or drop bodies the other one is about to read.
So each holds an advisory lock on the project's folder while it works, and the second one waits
for the first, saying so. The lock is on the folder itself: nothing to create, nothing left behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # (Windows: no flock; builds there are not guarded)
    fcntl = None  # type: ignore[assignment]


@contextmanager
def one_build_at_a_time(root: Path, waiting: str = "") -> Iterator[None]:
    """Hold the project's lock for the duration of the block; wait for it if another process holds it.

    ``waiting``: what this process is, for the message printed while it waits."""
    try:
        fd = os.open(root, os.O_RDONLY) if fcntl is not None else -1
    except OSError:  # no such folder: nothing to share, and the build says what is missing
        fd = -1
    if fd < 0:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another build of {root} is running; {waiting or 'this one'} waits for it to finish", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without flock (some network mounts): go on unguarded
            pass
        yield
    finally:
        os.close(fd)  # (releases the lock once no forked worker still holds the descriptor)
