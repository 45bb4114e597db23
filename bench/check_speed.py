#!/usr/bin/env python3
"""``build.py check`` at scale, beside a cold build of the same project in the same run.

    .venv/bin/python bench/check_speed.py [--size 10000] [--runs 3]

On the corpus of ../shared/bench/make_corpus.py with the publication theme, medians of ``--runs``
(whole commands, wall time; peak memory of the largest process):

- a cold build (no ``site/``, no ``.cache/``): what a check must cost less than;
- a cold check (no ``.cache/``): every source converted, the site linked, every rule run;
- a second check with nothing changed (target: under 1 s): the findings of the last one reused;
- a check after one article was edited: the cache's converted sources reused, the rules run again.

No peer has a check of this kind (Hugo, Zola, Eleventy, Hexo and Pelican have none), so the cold
build is the yardstick.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from build_speed import WORK, append, compile_tide, corpus, discard, exit_after, run  # noqa: E402

STEPS = ("cold build", "cold check", "second check, nothing changed", "check after one article edited")


def summary_line(output: str) -> str:
    """The check's count line (``run`` gives its stdout and stderr together)."""
    return next(line for line in output.splitlines() if " finding(s): " in line)


def project(size: int) -> Path:
    root = WORK / f"check-{size}"
    if not (root / "content").is_dir():
        shutil.copytree(corpus(size) / "content", root / "content")
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates", root / "templates", ignore=shutil.ignore_patterns("*.md"))
    long_ago = time.time() - 3600  # (inputs written a moment ago are not trusted by their times: see freshness.py)
    for path in root.rglob("*"):
        if ".cache" not in path.parts and "site" not in path.parts:
            os.utime(path, (long_ago, long_ago))
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_tide(sys.executable)
    root = project(args.size)
    command = [sys.executable, str(REPO / "build.py"), "--root", str(root)]
    times: dict[str, list[tuple[float, int]]] = {step: [] for step in STEPS}
    findings = ""
    for n in range(args.runs):
        for name in ("site", ".cache"):
            discard(root / name)  # (deleted at the end: see build_speed.py)
        wall, peak, _ = run([*command, "build"], REPO)
        times["cold build"].append((wall, peak))
        discard(root / ".cache")
        wall, peak, out = run([*command, "check"], REPO, ok=(0, 1))  # (a check with errors exits 1)
        times["cold check"].append((wall, peak))
        findings = summary_line(out)
        wall, peak, again = run([*command, "check"], REPO, ok=(0, 1))  # (a check with errors exits 1)
        assert summary_line(again) == findings, "the second check said something else"
        times["second check, nothing changed"].append((wall, peak))
        article = sorted((root / "content" / "articles").rglob("*.md"))[args.size // 2]
        append(article, f"\n检查基准编辑第 {n} 次,在这里。\n")  # (a half-width comma: one more finding)
        long_ago = time.time() - 600
        os.utime(article, (long_ago, long_ago))
        wall, peak, _ = run([*command, "check"], REPO, ok=(0, 1))  # (a check with errors exits 1)
        times["check after one article edited"].append((wall, peak))
    print(f"\n`build.py check` on {args.size:,} articles, publication theme, medians of {args.runs} (wall s; peak MiB)\n")
    print(f"findings of the cold check: {findings}\n")
    print("| step | wall | peak memory |")
    print("|---|---|---|")
    for step in STEPS:
        walls = [w for w, _ in times[step]]
        peaks = [p for _, p in times[step]]
        print(f"| {step} | {statistics.median(walls):.2f} s | {statistics.median(peaks) / 1024:.0f} MiB |")
    return 0


if __name__ == "__main__":
    exit_after(main)
