#!/usr/bin/env python3
"""How fast `build.py import` takes a WeChat archive: 200 articles in one command, then again.

    .venv/bin/python bench/import_speed.py [--articles 200] [--runs 3]

Half the archive is text copied out of WeChat (no pictures), half are pages saved "complete"
with seven pictures each in their ``_files`` folder (the shapes of tests/wechat_fixtures.py,
each article with its own title and date). Each run imports the folder into a fresh project
(whole command, start-up included), then imports it again (the second run must write nothing).
The time spent on pictures (reading their bytes and recognising them) is measured apart, so the
per-article figure is "beside its pictures", as the issue sets it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

import wechat_fixtures as fx  # noqa: E402


def archive(folder: Path, count: int) -> None:
    """``count`` articles, half as text and half as saved pages, each with its own title and date."""
    folder.mkdir(parents=True)
    pictures = folder / "shared_files"
    fx.pictures(pictures)
    for n in range(count):
        title = f"第{n}篇 {fx.TITLE}"
        if n % 2:
            text = fx.as_text().replace(fx.TITLE, title).replace("2025年11月10日", f"2025年{1 + n % 12}月{1 + n % 28}日")
            (folder / f"a{n:03d}.txt").write_text(text, encoding="utf-8")
        else:
            page = fx.as_page(f"a{n:03d}_files").replace(fx.TITLE, title).replace(str(fx.CT), str(fx.CT - n * 86400)).replace(fx.SOURCE, f"{fx.SOURCE}-{n}")
            shutil.copytree(pictures, folder / f"a{n:03d}_files")
            (folder / f"a{n:03d}.html").write_text(page, encoding="utf-8")
    shutil.rmtree(pictures)


def project(root: Path) -> None:
    (root / "content").mkdir(parents=True)
    (root / "content/site.yaml").write_text("title: 基准\nbase_url: https://example.org/\n", encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")


def timed(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall, done.stdout


def picture_seconds(folder: Path) -> float:
    """What an import does with each picture, alone: read its bytes, recognise its format (Pillow
    verifies the file), and write it into content/media/."""
    from tide.wechat.pictures import kind_of

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        for n, path in enumerate(sorted(folder.glob("*_files/*"))):
            data = path.read_bytes()
            kind_of(data)
            (Path(out) / f"{n}.png").write_bytes(data)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    firsts, seconds, pictures = [], [], []
    with tempfile.TemporaryDirectory(prefix="tide-import-bench-") as tmp:
        folder = Path(tmp) / "archive"
        archive(folder, args.articles)
        for run in range(args.runs):
            root = Path(tmp) / f"project-{run}"
            project(root)
            command = [sys.executable, str(REPO / "build.py"), "--root", str(root), "import", str(folder)]
            wall, out = timed(command)
            assert f"{args.articles} written" in out, out[-2000:]
            again, out = timed(command)
            assert f"{args.articles} exists" in out, out[-2000:]
            firsts.append(wall)
            seconds.append(again)
            pictures.append(picture_seconds(folder))
    first, second, picture = statistics.median(firsts), statistics.median(seconds), statistics.median(pictures)
    pages, texts = args.articles // 2, args.articles - args.articles // 2
    print(f"{args.articles} articles ({pages} saved pages with 7 pictures each, {texts} copied texts); median of {args.runs}")
    print("| run | wall time | per article | per article beside its pictures |")
    print("|---|---|---|---|")
    print(f"| first import | {first:.2f} s | {first / args.articles * 1000:.0f} ms | {(first - picture) / args.articles * 1000:.0f} ms |")
    print(f"| second import (nothing to do) | {second:.2f} s | {second / args.articles * 1000:.0f} ms | |")
    print(f"(pictures: {picture:.2f} s to read, recognise and write the {args.articles // 2 * 7} pictures alone)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
