#!/usr/bin/env python3
"""Save-to-screen latency of the live preview, measured in a real headless Chromium.

    .venv/bin/python bench/preview_latency.py [--edits 30] [--articles N]

Copies the sample site (or, with --articles N, a corpus made by ../shared/bench/make_corpus.py)
into a temporary folder, starts `build.py serve` on a free loopback port, opens an article,
then edits it again and again: each edit adds a new sentence, and the time from just before
the file is written to the moment the sentence is visible in the page is one sample. Prints
median and p95 in a table.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
from browser import chromium  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(root: Path, articles: int | None) -> Path:
    """Fill ``root`` with the project to preview; return the article to edit."""
    if articles:
        shared = REPO.parent / "shared" / "bench" / "make_corpus.py"
        subprocess.run([sys.executable, str(shared), str(root), "--articles", str(articles)], check=True, stdout=subprocess.DEVNULL)
        shutil.copytree(REPO / "templates", root / "templates")
    else:
        shutil.copytree(REPO / "content", root / "content")
        shutil.copytree(REPO / "templates", root / "templates")
    article = sorted((root / "content" / "articles").rglob("*.md"))[-1]
    return article


def url_of(article: Path) -> str:
    """The article's URL under the project's permalink pattern (the corpus uses /{year}/{slug}/)."""
    fields = dict(line.split(":", 1) for line in article.read_text(encoding="utf-8").split("\n---\n")[0].splitlines()[1:] if ":" in line)
    slug, year = fields["slug"].split("#")[0].strip(), fields["date"].strip().strip('"')[:4]
    settings = (article.parents[2] / "site.yaml").read_text(encoding="utf-8")
    pattern = next((line.split(":", 1)[1].strip() for line in settings.splitlines() if line.strip().startswith("article:")), "/articles/{slug}/")
    return pattern.format(slug=slug, year=year)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--articles", type=int, help="use a generated corpus of this many articles instead of the sample site")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tide-bench-") as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        article = prepare(root, args.articles)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert server.stdout is not None
        started = time.perf_counter()
        for line in server.stdout:
            if "preview at" in line:
                break
        first_build = time.perf_counter() - started
        samples: list[float] = []
        try:
            with chromium() as browser:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}{url_of(article)}")
                page.wait_for_function("window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol > 0")
                text = article.read_text(encoding="utf-8")
                head, sep, body = text.partition("\n---\n")
                previous = None
                for i in range(args.edits):
                    marker = f"基准测试第{i}句。"  # a new first sentence each time: the summary changes too
                    body = f"\n{marker}\n{body}" if previous is None else body.replace(previous, marker, 1)
                    previous = marker
                    t0 = time.perf_counter()
                    article.write_text(head + sep + body, encoding="utf-8")
                    page.wait_for_function("t => document.body && document.body.innerText.includes(t)", arg=marker, polling="raf", timeout=30_000)
                    samples.append((time.perf_counter() - t0) * 1000)
                    time.sleep(0.3)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    site = f"corpus of {args.articles} articles" if args.articles else "sample site"
    print("| site | edits | first build | median save-to-screen | p95 | max |")
    print("|---|---|---|---|---|---|")
    print(f"| {site} | {len(samples)} | {first_build:.1f} s | {statistics.median(samples):.0f} ms | {percentile(samples, 95):.0f} ms | {max(samples):.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
