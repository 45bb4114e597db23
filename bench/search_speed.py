#!/usr/bin/env python3
"""Search at scale: our index beside Pagefind (extended, with its Chinese segmenter) on the same
built site, in one run.

    .venv/bin/python bench/search_speed.py [--size 10000] [--runs 3] [--words 300] [--no-pagefind]

On the corpus of ../shared/bench/make_corpus.py with the publication theme:

- what the index costs a build: a cold build and a one-article edit (whole commands), with the
  theme's search page and without it (the index is made only for a theme that has one); medians
  of ``--runs``, peak memory of the largest process;
- Pagefind 1.5.2 extended (PyPI ``pagefind[extended]``, in bench/.peers-search) on the same
  built articles: wall time and peak memory;
- size on disk, files;
- in headless Chromium on a local static server: bytes a reader downloads for a first query and
  for a second one (script, index pieces and the 20 results shown, each gzip-compressed as a
  static host would serve it; Pagefind's index files are compressed already), and the time from
  the keystroke to the results drawn (ours: the search page, the median of 5 browser contexts
  started empty; Pagefind: its JS API, the 20 results' data loaded, once). (The server is the
  standard library's, in a process of its own, keeping connections open (tests/static_server.py):
  in the benchmark's own process it shared one interpreter lock with the browser's driver, and
  the same first query measured 326 ms there and 238 ms apart);
- recall against Ctrl-F: ``--words`` random two-character CJK words cut from random article
  bodies; for each, the articles whose page text holds it (the page's <main>, read with lxml)
  against what each search returns, and results without the word.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from build_speed import WORK, append, compile_tide, corpus, discard, exit_after, run  # noqa: E402

PEERS = HERE / ".peers-search"
QUERIES = ("京东", "供应链")  # a first and a second query
QUERY_RUNS = 5  # ours: the median time of this many first (and second) queries, each in a fresh browser context


def pagefind() -> list[str]:
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pagefind[extended]==1.5.2"], check=True)
    return [str(python), "-m", "pagefind"]


def project(size: int, name: str, search: bool) -> Path:
    root = WORK / f"search-{name}-{size}"
    if not (root / "content").is_dir():
        shutil.copytree(corpus(size) / "content", root / "content")
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates", root / "templates", ignore=shutil.ignore_patterns("*.md"))
    if not search:
        (root / "templates" / "search.html").unlink()
    return root


def build(root: Path) -> tuple[float, int]:
    wall, peak, _ = run([sys.executable, str(REPO / "build.py"), "--root", str(root), "build"], REPO)
    return wall, peak


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


ARTICLE_PARTS = ("h1", "*[@class='kicker']", "*[@class='prose']", "*[@class='tags']", "*[@class='author']", "*[@class='credits']")


def page_texts(site: Path) -> dict[str, str]:
    """Each article's words by URL, as Ctrl-F finds them on its page: title, category, body,
    tags, authors and credits, and the summary it shares (its description); each part apart, so
    that no word spans two (the page's fixed labels and lists of other articles left out)."""
    from lxml import html

    texts = {}
    for page in sorted(site.glob("20*/*/index.html")):
        tree = html.fromstring(page.read_bytes())
        article = tree.find(".//article")
        parts = [re.sub("编排：|审核：", "\n", el.text_content()) for xpath in ARTICLE_PARTS for el in article.iterfind(".//" + xpath)]
        parts += tree.xpath("//meta[@name='description']/@content")
        texts["/" + page.parent.relative_to(site).as_posix() + "/"] = "\n".join(parts)
    return texts


def sample_words(texts: dict[str, str], count: int) -> list[str]:
    rng = random.Random(17)
    urls = sorted(texts)
    words: list[str] = []
    while len(words) < count:
        text = texts[rng.choice(urls)]
        at = rng.randrange(max(1, len(text) - 2))
        word = text[at : at + 2]
        if re.fullmatch(r"[\u4e00-\u9fff]{2}", word) and word not in words:
            words.append(word)
    return words


def our_results(site: Path, words: list[str]) -> list[set[str]]:
    fragments = {int(p.stem): json.loads(p.read_text(encoding="utf-8"))["url"] for p in (site / "search-index" / "f").glob("*.json")}
    asked = json.dumps({"folder": str(site / "search-index"), "queries": words})
    done = subprocess.run(["node", str(REPO / "tests" / "search_query.js")], input=asked, capture_output=True, text=True, check=True)
    return [{fragments[i] for i in ids} for ids in json.loads(done.stdout)]


PAGEFIND_PAGE = """<!doctype html><meta charset="utf-8"><title>pagefind</title>
<script type="module">
window.pf = await import("/pagefind/pagefind.js");
await window.pf.init();
window.ready = true;
</script>"""


TYPE_AND_WAIT = """async (q) => {
  const input = document.getElementById('search-input'), t0 = performance.now();
  input.value = q;
  input.dispatchEvent(new Event('input'));
  await new Promise((done) => {
    const check = () => {
      const shown = document.getElementById('search-status').textContent.startsWith('找到') && !document.querySelector('.search-result:empty');
      if (shown && new URL(location).searchParams.get('q') === q) done(); else requestAnimationFrame(check);
    };
    check();
  });
  return performance.now() - t0;
}"""
FETCHED = """() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.slice(1)).filter((p) => p.startsWith('search-index/'))"""
INDEX_LOADED = """() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/search-index/index.json'))"""
PAGEFIND_QUERY = """async (q) => {
  const t0 = performance.now();
  const r = await window.pf.search(q);
  await Promise.all(r.results.slice(0, 20).map((x) => x.data()));
  return performance.now() - t0;
}"""
PAGEFIND_URLS = "async (q) => { const r = await window.pf.search(q); return Promise.all(r.results.map(async (x) => (await x.data()).url)); }"


def browser_figures(site: Path, words: list[str], with_pagefind: bool) -> dict[str, object]:  # noqa: C901
    """Downloads and keystroke-to-results for both, and Pagefind's answers to ``words``."""
    from browser import chromium
    from static_server import serving_apart

    (site / "pagefind-bench.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    figures: dict[str, object] = {}
    with serving_apart(site) as url, chromium() as browser:
        samples: dict[int, list[tuple[float, int, int]]] = {n: [] for n in range(len(QUERIES))}
        for _ in range(QUERY_RUNS):  # (each in a new context: an empty cache, a first query again)
            context = browser.new_context()
            page = context.new_page()
            page.goto(url + "/search/")
            page.wait_for_function(INDEX_LOADED)
            for n, query in enumerate(QUERIES):
                before = page.evaluate(FETCHED) if n else []  # (a first query's bytes count the script and the list of parts)
                took = page.evaluate(TYPE_AND_WAIT, query)
                page.wait_for_timeout(300)  # (anything still arriving belongs to this query)
                paths = page.evaluate(FETCHED)[len(before) :]  # (read from disk after: nothing but the page runs while it is timed)
                samples[n].append((took, sum(len(gzip.compress((site / p).read_bytes())) for p in paths), len(paths)))
            context.close()
        for n, runs in samples.items():
            figures[f"ours {n}"] = (statistics.median(t for t, _, _ in runs), runs[0][1], runs[0][2])
        if with_pagefind:
            context = browser.new_context()
            page = context.new_page()
            pf: list[tuple[str, bytes]] = []
            page.on("response", lambda r: pf.append((r.url, r.body())) if "/pagefind/" in r.url and r.ok else None)
            page.goto(url + "/pagefind-bench.html")
            page.wait_for_function("() => window.ready")
            for n, query in enumerate(QUERIES):
                before = len(pf) if n else 0
                took = page.evaluate(PAGEFIND_QUERY, query)
                page.wait_for_timeout(300)
                size = sum(len(body) if re.search(r"\.pf_|\.wasm", u) else len(gzip.compress(body)) for u, body in pf[before:])
                figures[f"pagefind {n}"] = (took, size, len(pf) - before)
            answers = []
            for word in words:
                answers.append(set(page.evaluate(PAGEFIND_URLS, word)))
            figures["pagefind answers"] = answers
            context.close()
    (site / "pagefind-bench.html").unlink()
    return figures


def recall(truth: list[set[str]], found: list[set[str]]) -> tuple[float, int, int]:
    """(share of Ctrl-F's articles found, words with a miss, results without the word)."""
    want = sum(len(t) for t in truth)
    hit = sum(len(t & f) for t, f in zip(truth, found, strict=True))
    missed = sum(1 for t, f in zip(truth, found, strict=True) if t - f)
    extra = sum(len(f - t) for t, f in zip(truth, found, strict=True))
    return hit / want if want else 1.0, missed, extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--pagefind-words", type=int, default=40, help="of those words, how many Pagefind is asked (each result's address costs a fetch: slow)")
    parser.add_argument("--no-pagefind", action="store_true")
    parser.add_argument("--queries-only", action="store_true", help="no builds: the sites as they are (Pagefind's index kept too), for the query rows")
    args = parser.parse_args()
    compile_tide(sys.executable)
    roots = {"with": project(args.size, "with", True), "without": project(args.size, "without", False)}
    times: dict[str, list[tuple[float, int]]] = {f"{k} {s}": [] for k in roots for s in ("cold", "edit")}
    for n in range(0 if args.queries_only else args.runs):
        for key, root in roots.items():
            for name in ("site", ".cache"):
                discard(root / name)  # (deleted at the end: see build_speed.py)
            times[f"{key} cold"].append(build(root))
            article = sorted((root / "content" / "articles").rglob("*.md"))[args.size // 2]
            append(article, f"\n搜索基准编辑第 {n} 次。\n")
            times[f"{key} edit"].append(build(root))
    site = roots["with"] / "site"
    pagefind_figures: tuple[float, int] | None = None
    if not args.no_pagefind and not (args.queries_only and (site / "pagefind").is_dir()):
        shutil.rmtree(site / "pagefind", ignore_errors=True)
        started = time.perf_counter()
        wall, peak, out = run([*pagefind(), "--site", str(site), "--glob", "20*/*/index.html"], REPO)
        pagefind_figures = (time.perf_counter() - started, peak)
    texts = page_texts(site)
    words = sample_words(texts, args.words)
    truth = [{u for u, t in texts.items() if w in t} for w in words]
    ours = our_results(site, words)
    figures = browser_figures(site, words[: args.pagefind_words], not args.no_pagefind)

    runs = "the sites as they are" if args.queries_only else f"builds: medians of {args.runs} runs, whole commands"
    print(f"\nsearch at {args.size:,} articles ({runs})\n")
    print("| | ours | Pagefind 1.5.2 extended |\n|---|---|---|")
    if not args.queries_only:
        build_rows(times, pagefind_figures)
    print_queries(site, figures, pagefind_figures, words, truth, ours)
    return 0


def build_rows(times: dict[str, list[tuple[float, int]]], pagefind_figures: tuple[float, int] | None) -> None:
    def median(key: str, i: int = 0) -> float:
        return statistics.median(t[i] for t in times[key])

    cold_with, cold_without = median("with cold"), median("without cold")
    edit_with, edit_without = median("with edit"), median("without edit")
    share = (cold_with / cold_without - 1) * 100
    print(f"| index build | {cold_with - cold_without:.2f} s (cold build {cold_with:.2f} s, without search {cold_without:.2f} s: +{share:.0f}%) | ", end="")
    print(f"{pagefind_figures[0]:.1f} s |" if pagefind_figures else "not run |")
    print(f"| one article edited | +{(edit_with - edit_without) * 1000:.0f} ms ({edit_with:.2f} s vs {edit_without:.2f} s) | re-indexes everything |")
    peak = max(median("with cold", 1), median("with edit", 1)) / 1024
    print(f"| peak memory | {peak:.0f} MiB (largest process of the build) | " + (f"{pagefind_figures[1] / 1024:.0f} MiB |" if pagefind_figures else "|"))


def print_queries(  # type: ignore[no-untyped-def]
    site: Path, figures: dict[str, object], pagefind_figures: tuple[float, int] | None, words: list[str], truth, ours
) -> None:
    size, count = folder_size(site / "search-index")
    row = f"| on disk | {size / 1e6:.1f} MB in {count:,} files | "
    if (site / "pagefind").is_dir():
        pf_size, pf_count = folder_size(site / "pagefind")
        row += f"{pf_size / 1e6:.1f} MB in {pf_count:,} files |"
    print(row)
    for n, query in enumerate(QUERIES):
        took, sent, requests = figures[f"ours {n}"]  # type: ignore[misc]
        which = "first" if n == 0 else "second"
        row = f"| {which} query ({query}): keystroke to results, downloaded | {took:.0f} ms, {sent / 1024:.0f} KB in {requests} requests | "
        if f"pagefind {n}" in figures:
            took, sent, requests = figures[f"pagefind {n}"]  # type: ignore[misc]
            row += f"{took:.0f} ms, {sent / 1024:.0f} KB in {requests} requests |"
        print(row)
    share, missed, extra = recall(truth, ours)
    row = f"| recall against Ctrl-F, {len(words)} two-character words | {share * 100:.1f}% ({missed} words missed somewhere, {extra} results without them) | "
    if "pagefind answers" in figures:
        asked = figures["pagefind answers"]
        share, missed, extra = recall(truth[: len(asked)], asked)  # type: ignore[arg-type]
        row += f"{share * 100:.1f}% of the first {len(asked)} words ({missed} missed somewhere, {extra} results without them) |"
    print(row)


if __name__ == "__main__":
    exit_after(main)
