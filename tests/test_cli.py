"""The command line: help, the default build, and `new`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, Project, project_lock_held


def test_help_lists_every_command_and_build_option(project: Project) -> None:
    top = project.cli("--help").stdout
    assert all(name in top for name in ("build", "serve", "new", "import", "deploy", "clean"))
    assert all(opt in top for opt in ("--images", "--dry-run", "--update", "--max-deletes", "--force", "--endpoint", "--bucket", "--prefix", "--region"))
    assert all(opt in top for opt in ("--drafts", "--future", "--base-url", "--output", "--now", "--no-cache", "--port", "--navigate", "--slug", "--tags"))
    build_help = project.cli("build", "--help").stdout
    assert all(opt in build_help for opt in ("--drafts", "--future", "--base-url", "--output", "--now"))
    serve_help = project.cli("serve", "--help").stdout
    assert all(opt in serve_help for opt in ("--port", "--host", "--no-drafts"))


def test_plain_build_py_builds_the_site(project: Project) -> None:
    project.article("a")
    result = project.cli()
    assert result.returncode == 0, result.stderr
    assert re.match(r"built \d+ outputs into .+ in [\d.]+ s: 1 sources converted, 0 images resized, \d+ pages drawn, \d+ files written", result.stdout)
    assert (project.site / "articles/a/index.html").is_file()


def test_new_writes_a_skeleton_with_a_pinyin_slug_that_builds(project: Project) -> None:
    result = project.cli("new", "小米汽车京东旗舰店上线", "--category", "深度", "--tags", "小米,京东")
    assert result.returncode == 0, result.stderr
    (path,) = (project.root / "content/articles").rglob("*.md")
    assert path.name == "xiao-mi-qi-che-jing-dong-qi-jian-dian-shang-xian.md"
    text = path.read_text()
    assert "title: 小米汽车京东旗舰店上线" in text and "tags: [小米, 京东]" in text and "draft: true" in text
    assert "slug: xiao-mi-qi-che-jing-dong-qi-jian-dian-shang-xian" in text
    project.image("content/media/your-image.webp", fmt="WEBP")
    assert project.cli("build", "--drafts").returncode == 0


def test_new_refuses_to_overwrite_or_reuse_a_slug(project: Project) -> None:
    assert project.cli("new", "第一篇", "--slug", "first").returncode == 0
    again = project.cli("new", "第一篇", "--slug", "first")
    assert again.returncode == 1 and "already exists" in again.stderr
    project.article("older", front="slug: taken")
    reused = project.cli("new", "另一篇", "--slug", "taken")
    assert reused.returncode == 1 and "already used by" in reused.stderr


def test_new_quotes_a_title_that_yaml_would_misread(project: Project) -> None:
    assert project.cli("new", "AI 手机: 新战场 #1", "--slug", "ai-phones").returncode == 0
    (path,) = (project.root / "content/articles").rglob("ai-phones.md")
    assert 'title: "AI 手机: 新战场 #1"' in path.read_text()


def test_a_second_build_is_up_to_date_until_a_source_changes(project: Project) -> None:
    """The command line stats the inputs in a forked child while it imports the build: what the
    child found must decide, and its exit must print nothing of its own."""
    project.article("a")
    project.article("b")
    long_ago = time.time() - 3600
    for path in project.root.rglob("*"):  # times within the last seconds are not trusted
        os.utime(path, (long_ago, long_ago))
    assert project.cli().returncode == 0
    again = project.cli()
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout == f"{project.site} is up to date: nothing changed\n"
    edited = project.article("b", body="正文改了。\n")
    os.utime(edited, (long_ago + 60, long_ago + 60))
    rebuilt = project.cli()
    assert re.fullmatch(r"built \d+ outputs into .+ in [\d.]+ s: 1 sources converted, .*\n", rebuilt.stdout), rebuilt.stdout
    assert "正文改了。" in project.read("articles/b/index.html")
    assert project.cli().stdout.endswith("is up to date: nothing changed\n")
    (project.root / "templates/robots.txt").write_text("User-agent: *\n")
    os.utime(project.root / "templates/robots.txt", (long_ago + 120, long_ago + 120))
    assert project.cli().stdout.startswith("built ")
    assert project.read("robots.txt") == "User-agent: *\n"


@pytest.mark.parametrize("command", ["build", "clean"])
def test_a_second_build_or_clean_waits_for_the_one_running(project: Project, command: str) -> None:
    """Builds, the preview and ``clean`` share the cache: the second waits, says so, then does its work."""
    project.article("a")
    assert project.cli("build").returncode == 0
    source = project.root / "content/articles/a.md"
    source.write_text(source.read_text(encoding="utf-8").replace("正文第一段", "正文改过"), encoding="utf-8")
    with project_lock_held(project.root):
        second = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "--root", str(project.root), command], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert second.stderr is not None
        said = second.stderr.readline()
        assert f"another build of {project.root} is running" in said and "waits for it to finish" in said
        time.sleep(0.5)
        assert second.poll() is None, "it went on while the lock was held"
        assert "正文改过" not in project.read("articles/a/index.html") and (project.root / ".cache").is_dir()  # nothing done yet
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    if command == "build":
        assert "1 sources converted" in out and "正文改过" in project.read("articles/a/index.html")
    else:
        assert not (project.root / "site").exists() and not (project.root / ".cache").exists()


def test_a_missing_project_folder_is_reported_not_an_internal_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-project"
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(missing), "build"], capture_output=True, text=True)
    assert done.returncode == 1 and "internal error" not in done.stderr and "not found" in done.stderr


def test_a_build_says_when_the_site_next_changes(project: Project) -> None:
    """A scheduled publishing run's log shows when the next run will matter: the next future
    article or promo start or end; nothing when there is none."""
    project.article("now", date="2025-03-01 20:00")
    assert "next changes" not in project.cli("build", "--now", "2025-06-01 00:00").stdout
    project.article("later", date="2025-07-01 08:00")
    project.write("content/data/promos.yaml", "- {title: 订阅周报, text: 每周五, url: /, start: 2025-06-10 09:00, end: 2025-06-20 09:00}\n")
    built = project.cli("build", "--now", "2025-06-01 00:00")
    assert built.returncode == 0, built.stderr
    assert "the site next changes at 2025-06-10 09:00" in built.stdout
    again = project.cli("build", "--now", "2025-06-15 00:00")  # (past the promo's start: its end is next)
    assert "the site next changes at 2025-06-20 09:00" in again.stdout, again.stdout
