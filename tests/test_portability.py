"""Every supported Python and systems without fork: the spawn switch gives the same site byte for
byte, the command line and the preview close what they open, and nothing forks beside threads.

The builds here run as processes under ``tests/strict_run.py`` with every warning an error and
tracemalloc on, so an SQLite connection or file left to the garbage collector (Python 3.13 warns)
fails them, on whichever Python runs the suite (``.ci/run`` runs it on 3.11, 3.12 and 3.13).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, Project, tree_digest
from test_preview import free_port, wait_for_line

from tide import processes

ARTICLES = 420  # above the thresholds at which sources are converted and pages drawn in workers
PICTURES = 10  # above the threshold at which pictures are made in workers


def strict(root: Path, *args: str, traced: bool = True) -> list[str]:
    """``python -X tracemalloc -W error tests/strict_run.py --root ROOT args`` (tracemalloc names
    where a leaked object was made, at a cost: off for the large builds that need only the check)."""
    trace = ["-X", "tracemalloc=5"] if traced else []
    return [sys.executable, *trace, "-W", "error", str(REPO / "tests/strict_run.py"), "--root", str(root), *args]


def run(root: Path, *args: str, spawn: bool = False, no_fork: bool = False, traced: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, processes.SWITCH: "spawn" if spawn else "fork", "TIDE_TEST_NO_FORK": "1" if no_fork else "0"}
    done = subprocess.run(strict(root, *args, traced=traced), capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_clean(done.stderr)
    return done


def assert_clean(stderr: str) -> None:
    for sign in ("Warning", "Exception ignored", "FORKED WITH", "Traceback"):
        assert sign not in stderr, stderr


def make_project(root: Path) -> Project:
    """A project large enough that a cold build converts, draws and makes pictures in workers."""
    project = Project(root)
    for n in range(PICTURES):
        project.image(f"content/media/p{n}.png", width=800 + n, height=400)
    for n in range(ARTICLES):
        picture = f'\n\n![图{n}](../../media/p{n % PICTURES}.png "图源:测试")\n' if n < PICTURES * 2 else ""
        project.write(
            f"content/articles/2025/a{n:03d}.md",
            f"---\ntitle: 第{n}篇\ndate: 2025-0{1 + n % 5}-{1 + n % 27:02d} 10:{n % 60:02d}\ntags: [标签{n % 7}]\ncategory: 类{n % 3}\n---\n\n"
            f"第{n}篇的第一段，讲京东和小米。{picture}\n\n## 小节\n\n正文[下一篇](a{(n + 1) % ARTICLES:03d}.md)。\n",
        )
    return project


def test_the_spawn_switch_builds_the_same_site_byte_for_byte_without_forking(tmp_path: Path) -> None:
    forked, spawned = make_project(tmp_path / "forked"), make_project(tmp_path / "spawned")
    now = ("--now", "2025-06-01 00:00", "--jobs", "2")
    run(forked.root, "build", *now)
    done = run(spawned.root, "build", *now, spawn=True, no_fork=True)  # any os.fork fails the build
    assert f"{ARTICLES} sources converted, {PICTURES} images resized" in done.stdout
    assert tree_digest(spawned.site) == tree_digest(forked.site)
    for project in (forked, spawned):  # an edit of one body, then of the layout: the incremental paths
        path = project.root / "content/articles/2025/a007.md"
        path.write_text(path.read_text(encoding="utf-8").replace("第一段", "第一段改过"), encoding="utf-8")
        base = project.root / "templates/base.html"
        base.write_text(base.read_text(encoding="utf-8").replace("订阅 RSS", "订阅 RSS！"), encoding="utf-8")
    run(forked.root, "build", *now)
    run(spawned.root, "build", *now, spawn=True, no_fork=True)
    assert tree_digest(spawned.site) == tree_digest(forked.site)
    shutil.rmtree(forked.root / ".cache")
    run(forked.root, "build", "--no-cache", *now)  # and both are what a build from scratch makes
    assert tree_digest(spawned.site) == tree_digest(forked.site)


def test_a_build_a_rebuild_and_a_clean_close_every_file_they_open(tmp_path: Path) -> None:
    """On Python 3.13 an SQLite connection left to the collector warns: the build's own cache
    files (the body store, the saved graph) must be closed by their owners, on every path."""
    project = Project(tmp_path / "p")
    project.image("content/media/p.png")
    for n in range(3):
        project.article(
            f"a{n}", title=f"第{n}篇", date=f"2025-03-0{n + 1} 10:00", body=f'正文。\n\n![图](../media/p.png "图源:测试")\n\n[下一篇](a{(n + 1) % 3}.md)\n'
        )
    now = ("--now", "2025-06-01 00:00")
    run(project.root, "build", *now, traced=True)  # cold
    run(project.root, "build", *now, traced=True)  # nothing to do
    for n, body in enumerate(("正文改了。\n", "又改了。\n")):  # bodies alone (the saved graph), then a title (the full way)
        project.article("a1", title="第1篇" if n == 0 else "新标题", date="2025-03-02 10:00", body=body)
        os.utime(project.root / "content/articles/a1.md", (1e9, 1e9 + n))  # (old enough to trust)
        run(project.root, "build", *now, traced=True)
    assert "新标题" in project.read("index.html")
    run(project.root, "build", "--no-cache", *now, traced=True)
    run(project.root, "clean", traced=True)


def test_a_bad_switch_is_one_clear_sentence(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    env = {**os.environ, processes.SWITCH: "thread"}
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(project.root), "build"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "TIDE_START_METHOD='thread' is not a start method; use fork or spawn"


def test_the_preview_never_forks_beside_its_threads_and_closes_what_it_opened(tmp_path: Path) -> None:
    """The preview's rebuilds run beside the server's threads: a rebuild that converts every source
    and draws every page again must spawn its workers or work alone, never fork (which can
    deadlock the child; Python 3.12+ warns). Its first build may fork: no thread runs yet."""
    project = make_project(tmp_path / "p")
    port = free_port()
    env = {**os.environ, processes.SWITCH: "fork", "TIDE_TEST_NO_FORK": "0"}
    command = strict(project.root, "serve", "--port", str(port), "--now", "2025-06-01 00:00", traced=True)
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    printed = []
    try:
        printed.append(wait_for_line(server, "preview at", timeout=180))
        site_yaml = project.root / "content/site.yaml"
        site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "timezone: Asia/Tokyo\n", encoding="utf-8")  # every source read again
        printed.append(wait_for_line(server, "rebuilt in", timeout=180))
        base = project.root / "templates/base.html"
        base.write_text(base.read_text(encoding="utf-8").replace("订阅 RSS", "订阅 RSS！"), encoding="utf-8")  # every page drawn again
        printed.append(wait_for_line(server, "rebuilt in", timeout=180))
        assert "订阅 RSS！" in (project.root / ".preview/index.html").read_text(encoding="utf-8")
    finally:
        server.send_signal(signal.SIGINT)
        printed.append(server.communicate(timeout=60)[0])
    assert server.returncode == 0, printed
    assert "stopped" in printed[-1]
    assert_clean("".join(printed))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_start_methods(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    monkeypatch.setenv(processes.SWITCH, method)
    assert processes.start_method() == method
    assert processes.may_fork() == (method == "fork" and processes.threads() == 1)
    assert processes.pool_context().get_start_method() == ("fork" if processes.may_fork() else "spawn")


def test_a_running_thread_forbids_forking(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setenv(processes.SWITCH, "fork")
    before = processes.threads()
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert processes.threads() == before + 1  # counted as the kernel counts them
        assert not processes.may_fork() and processes.pool_context().get_start_method() == "spawn"
    finally:
        release.set()
        other.join()


def test_the_default_start_method_is_the_systems_safe_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(processes.SWITCH, raising=False)
    assert processes.start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")
    monkeypatch.setattr(processes.sys, "platform", "darwin")
    assert processes.start_method() == "spawn"
