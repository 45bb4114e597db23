#!/usr/bin/env python3
"""The floor of a cold build: convert every article body with Python-Markdown on every core, and
do nothing else (no front matter, no pages, no output, no cache).

    .venv/bin/python bench/markdown_alone.py CONTENT_FOLDER [--stock]

Without ``--stock`` it runs tide's own converter (``tide.markup.Converter``: our extensions,
FastMarkdown's gates, the stats pass), which a build cannot do without. With ``--stock``, a plain
``markdown.Markdown`` with the extensions the issue measured (extra, toc, codehilite, attr_list).
``bench/build_speed.py`` times it beside the builds, so the table shows how much of Hugo's time
Markdown alone already takes.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK = 64  # articles per task, as compile.compile_many sends them at this size


def body_of(path: Path) -> str:
    """The body as a build splits it off (``tide.content.split_front_matter``)."""
    from tide.content import split_front_matter

    split = split_front_matter(path.read_text(encoding="utf-8"))
    return split[1] if isinstance(split, tuple) else ""


def convert_chunk(args: tuple[list[Path], bool]) -> int:
    paths, stock = args
    if stock:
        import markdown

        md = markdown.Markdown(extensions=["extra", "toc", "codehilite", "attr_list"])
        for path in paths:
            md.reset().convert(body_of(path))
    else:
        from tide.markup import Converter

        converter = Converter()
        for path in paths:
            converter.convert(body_of(path), "articles", 1)
    return len(paths)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("content", type=Path)
    parser.add_argument("--stock", action="store_true", help="Python-Markdown as installed, with the issue's extensions")
    args = parser.parse_args()
    paths = sorted((args.content / "articles").rglob("*.md"))
    chunks = [(paths[i : i + CHUNK], args.stock) for i in range(0, len(paths), CHUNK)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
        done = sum(pool.map(convert_chunk, chunks))
    print(f"{done} bodies converted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
