#!/usr/bin/env python3
"""The other floor under drawing: the files a warm build writes (every page and copied file of a
built project's site/, the search index left out: it is not part of the draw lap), made anew in a
new folder on every core, and nothing else (no rendering, no hashing).

    .venv/bin/python bench/write_alone.py PROJECT_ROOT OUTPUT_FOLDER

The bytes are read into memory first, outside the timing. Each file is made as a first build
makes it, by ``tide/output.py``'s own function (open; on a missing folder, make its folders and
open again; write; close), the list split between forked workers as Jinja2 alone splits its
pages. ``OUTPUT_FOLDER`` must not exist; the caller removes it (``bench/build_speed.py`` moves it
aside: on this machine's disk, creating files soon after deleting many costs many times more).

Prints ``wrote N files in S s`` (wall, all cores); ``bench/build_speed.py`` shows it as a row
beside the draw lap and Jinja2 alone: the draw lap cannot be shorter than the two together, as
both are work of the same cores.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from jinja_alone import on_every_core  # (bench/ is on the path: it holds this script)

from tide.output import _create  # the build's own way of making a file

_LEFT_OUT = "search-index"  # made by the search lap, not the draw lap
_FILES: list[tuple[str, bytes]] = []  # (path to make, bytes): inherited by forked workers


def _make(bounds: tuple[int, int]) -> int:
    for path, data in _FILES[bounds[0] : bounds[1]]:
        _create(path, data)
    return bounds[1] - bounds[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    site = args.root.resolve() / "site"
    if args.output.exists():
        raise SystemExit(f"{args.output} exists: give a folder that does not")
    for folder, _, names in os.walk(site):
        rel = os.path.relpath(folder, site)
        if rel.split(os.sep)[0] == _LEFT_OUT:
            continue
        for name in sorted(names):
            _FILES.append((os.path.join(args.output, rel, name), Path(folder, name).read_bytes()))
    if not _FILES:
        raise SystemExit(f"nothing to write: build {args.root} first")
    done, seconds = on_every_core(_make, len(_FILES), args.jobs)
    print(f"wrote {done} files in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
