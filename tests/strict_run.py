"""Run build.py's command line under the strictest checks, for tests that start it as a process.

    python -X tracemalloc=5 -W error tests/strict_run.py build.py-arguments...

build.py ends with ``os._exit`` (tearing down a large site graph object by object took most of a
second), which would hide a file or SQLite connection left open: here its ``main`` runs, then
the collector, so Python reports whatever was left for it (``ResourceWarning``, under ``-W
error`` an "Exception ignored" on stderr). Every ``os.fork`` is watched too: one made while the
process runs other threads is reported on stderr (Python 3.12+ only warns, and only some of the
time), and with ``TIDE_TEST_NO_FORK=1`` any fork fails, as on a system that has none.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tide.processes import threads  # noqa: E402

FORBIDDEN = os.environ.get("TIDE_TEST_NO_FORK") == "1"


def _watch(event: str, args: tuple[object, ...]) -> None:
    if event != "os.fork":
        return
    if FORBIDDEN:
        raise RuntimeError("os.fork called while forking is forbidden (TIDE_TEST_NO_FORK=1)")
    if threads() > 1:
        print(f"FORKED WITH {threads()} THREADS", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.addaudithook(_watch)
    import build

    code = build.main(sys.argv[1:])
    gc.enable()
    gc.collect()
    sys.exit(code)
