"""Lighthouse (mobile preset), axe-core and the Nu Html Checker on the built sample site; prints one table.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--json out.json]

Builds the sample site into a temporary folder, serves it on 127.0.0.1 as a plain static host
would, and audits the home page, an article with figures, a tag page and the 404 page with
npm ``lighthouse@12.2.3`` driving Debian's Chromium (CHROME_PATH). The 404 page is audited at
its own address (/404.html, status 200): Lighthouse refuses to score a page answered with 404.
Scores are the median of ``--runs``. Exits non-zero when a page misses the bar: 100 in
accessibility, best practices and SEO, 95 in performance, no axe violations, no Nu errors.
It takes about 15 s a page a run, so ``make test`` leaves it out; ``make audit`` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from audits import axe_violations, run_vnu  # noqa: E402  (tests/ is put on the path above)
from browser import FLAGS, chromium  # noqa: E402
from static_server import serving  # noqa: E402

from tide.config import BuildOptions, Paths  # noqa: E402
from tide.pipeline import build  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules/.bin/lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
BAR = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
PAGES = [
    ("home", "/"),
    ("article with figures", "/articles/luckin-coffee-unit-economics/"),
    ("tag page", "/tags/rui-xing/"),
    ("404 page", "/404.html"),
    ("search results", "/search/?q=%E4%BA%AC%E4%B8%9C"),  # ?q=京东
]
NOW = datetime(2025, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai"))  # the sample site as the tests build it


def lighthouse(url: str) -> dict[str, object]:
    chrome = os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="tide-lh-")
    result = subprocess.run(
        [
            str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join([*FLAGS, f'--user-data-dir={profile}'])}",
        ],
        capture_output=True, text=True, timeout=300, env={**os.environ, "CHROME_PATH": chrome},
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def scores(report: dict) -> dict[str, int]:  # type: ignore[type-arg]
    found = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    for metric in ("first-contentful-paint", "largest-contentful-paint"):
        found[metric] = round(report["audits"][metric]["numericValue"])
    return found


def misses(report: dict) -> list[str]:  # type: ignore[type-arg]
    """The audits that cost points, to say why a score is short."""
    found = []
    for c in CATEGORIES:
        for ref in report["categories"][c]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
                found.append(f"{c}: {audit['id']} ({audit.get('displayValue') or audit['score']})")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page; the median is shown")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `npm ci` (package.json pins lighthouse 12.2.3)")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build(Paths(ROOT, site), BuildOptions(now=NOW, use_cache=False))
        nu = run_vnu(site)
        nu_by_page: dict[str, int] = {}
        for m in nu:
            nu_by_page[str(m.get("url", ""))] = nu_by_page.get(str(m.get("url", "")), 0) + 1
        rows, failed, notes = [], False, []
        with serving(site) as base, chromium() as browser:
            for name, path in PAGES:
                runs = [lighthouse(base + path) for _ in range(args.runs)]
                each = [scores(r) for r in runs]
                median = {c: int(statistics.median(s[c] for s in each)) for c in each[0]}
                axe = len(axe_violations(browser, base + path, "light")) + len(axe_violations(browser, base + path, "dark"))
                file = site / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
                errors = sum(n for url, n in nu_by_page.items() if url.endswith(str(file)))
                ok = all(median[c] >= BAR[c] for c in CATEGORIES) and axe == 0 and errors == 0
                failed |= not ok
                rows.append({"page": name, "path": path, **median, "axe": axe, "nu": errors, "ok": ok})
                notes += [f"{name}: {m}" for m in misses(runs[0])]
    print("| page | path | performance | accessibility | best practices | SEO | FCP | LCP | axe violations (light + dark) | Nu errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        fcp, lcp = r["first-contentful-paint"] / 1000, r["largest-contentful-paint"] / 1000
        cells = [
            r["page"],
            f"`{r['path']}`",
            r["performance"],
            r["accessibility"],
            r["best-practices"],
            r["seo"],
            f"{fcp:.1f} s",
            f"{lcp:.1f} s",
            r["axe"],
            r["nu"],
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print(f"\nLighthouse 12.2.3, mobile preset (simulated slow 4G, 4x CPU slowdown), {args.runs} run(s) a page, median")
    print(f"Nu Html Checker errors on the whole site: {len(nu)}")
    if notes:
        print("\nAudits that cost points:\n" + "\n".join(f"- {n}" for n in notes))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    print("\nresult: " + ("FAILED: a page misses the bar" if failed else "every page meets the bar"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
