"""Tiny projects in temporary folders, built for real with the real theme."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tide.config import Paths
from tide.errors import BuildFailed
from tide.pipeline import Builder, BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
SITE_YAML = """\
title: 测试刊物
description: 用来测试的刊物
base_url: https://example.org/
nav:
  - {title: 首页, url: /}
"""


_HOLD_LOCK = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tide.projectlock import one_build_at_a_time
with one_build_at_a_time(Path(sys.argv[2])):
    print("held", flush=True)
    sys.stdin.readline()
"""


@contextmanager
def project_lock_held(root: Path) -> Iterator[None]:
    """Hold the project's build lock from another process, as a running build would, until the block ends."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(REPO), str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.communicate("\n", timeout=30)


class Project:
    """A project folder: the real theme, a small site.yaml, and whatever a test writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.builders: list[Builder] = []
        shutil.copytree(REPO / "templates", root / "templates")
        self.write("content/site.yaml", SITE_YAML)

    @property
    def site(self) -> Path:
        return self.root / "site"

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def image(self, rel: str, width: int = 640, height: int = 360, fmt: str = "PNG") -> Path:
        """Write a real image (a two-colour pattern) that Pillow can read."""
        from PIL import Image, ImageDraw

        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        picture = Image.new("RGB", (width, height), (180, 40, 30))
        ImageDraw.Draw(picture).rectangle((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(250, 240, 220))
        picture.save(path, fmt)
        return path

    def article(self, name: str, front: str = "", body: str = "正文第一段。\n", title: str = "标题", date: str = "2025-03-01 20:00") -> Path:
        """Write content/articles/<name>.md with a title and date plus any extra front matter."""
        head = f"title: {title}\n" + (f"date: {date}\n" if date else "") + textwrap.dedent(front).strip()
        return self.write(f"content/articles/{name}.md", f"---\n{head.strip()}\n---\n\n{textwrap.dedent(body).lstrip()}")

    def builder(self, output: Path | None = None, **options: object) -> Builder:
        """A Builder kept between builds (as the preview keeps one), closed when the test ends."""
        options.setdefault("now", NOW)
        made = Builder(Paths(self.root, output or self.site), BuildOptions(**options))  # type: ignore[arg-type]
        self.builders.append(made)
        return made

    def close(self) -> None:
        for made in self.builders:
            made.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def build(self, **options: object) -> BuildResult:
        options.setdefault("now", NOW)
        return build(Paths(self.root, self.site), BuildOptions(**options))  # type: ignore[arg-type]

    def errors(self, **options: object) -> list[str]:
        """Build, expecting failure; return the problems as printed."""
        with pytest.raises(BuildFailed) as failed:
            self.build(**options)
        return [str(e) for e in failed.value.errors]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(REPO / "build.py"), "--root", str(self.root), *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def read(self, rel: str) -> str:
        return (self.site / rel).read_text(encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes: equal digests mean identical trees."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with Project(tmp_path / "project") as made:
        yield made


def copy_sample(root: Path) -> Path:
    """The repository's own sample publication, copied to ``root``: a build there keeps its cache
    there too, not in the repository's ``.cache/``."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    return root


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own sample publication, built once into a temporary folder."""
    root = copy_sample(tmp_path_factory.mktemp("sample"))
    build(Paths(root, root / "site"), BuildOptions(now=NOW))
    return root / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium per test module (tests/browser.py)."""
    from browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def base_url(sample_site: Path) -> Iterator[str]:
    """The built sample publication on a local static server."""
    from static_server import serving

    with serving(sample_site) as url:
        yield url
