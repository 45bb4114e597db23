"""The built site as a deploy sees it: every file with its MD5, its headers and its stage.

Stages set the upload order, so that no reader gets a page before what it names: pictures and
theme files, then pages, then feeds and the sitemap (which announce the pages). The same bytes
always give the same object and the same headers: nothing here depends on the time.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..freshness import trusted_mtime

FINGERPRINTED = re.compile(r"\.[0-9a-f]{8}\.[A-Za-z0-9]+$")  # style.d48a835b.css, byd-sales.960.1623ced2.webp
IMMUTABLE = "public, max-age=31536000, immutable"
SEARCH = "search-index/"  # tide/search/index.py FOLDER (not imported: it would load numpy for a string)
SEARCH_PARTS = SEARCH + "p/"  # a part's folder is named by what it holds: its files never change
REVALIDATE = "public, max-age=60, must-revalidate"  # pages, feeds, the sitemap: a minute at most behind
MEDIA = "public, max-age=86400"  # an original picture under its own name: a day
STAGES = ("assets", "pages", "feeds")
TEXT_TYPES = ("text/", "application/xml", "application/atom+xml", "application/javascript", "application/json", "image/svg+xml", "application/manifest+json")
EXTRA_TYPES = {
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".js": "application/javascript",
}


@dataclass(frozen=True, slots=True)
class LocalFile:
    key: str  # path in the site, with "/" (and the target's prefix added when sent)
    path: Path
    size: int
    md5: str  # hex, lower case
    content_type: str
    cache_control: str
    stage: str  # one of STAGES

    @property
    def headers(self) -> tuple[str, str]:
        return self.content_type, self.cache_control


def content_type(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if name in ("feed.xml", "atom.xml"):
        kind = "application/atom+xml"
    else:
        ext = os.path.splitext(name)[1].lower()
        kind = EXTRA_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith(TEXT_TYPES) else kind


def cache_control(key: str) -> str:
    if FINGERPRINTED.search(key) or key.startswith(SEARCH_PARTS):
        return IMMUTABLE
    if key.endswith((".html", ".xml", ".txt")) or "." not in key.rsplit("/", 1)[-1] or key.startswith(SEARCH):
        return REVALIDATE  # (the search index's list of parts, fragments and script change with the articles)
    return MEDIA


def stage(key: str) -> str:
    if key.endswith(".html") or key == SEARCH + "index.json":  # (the list of parts after the parts it names)
        return "pages"
    if key.endswith((".xml", ".txt")):
        return "feeds"
    return "assets"


def scan(site: Path, known: dict[str, tuple[int, int, str]]) -> tuple[list[LocalFile], dict[str, tuple[int, int, str]]]:
    """Every file under ``site`` (hidden ones left out), and the (mtime_ns, size, md5) of each,
    to be kept: a file whose time and size are those ``known`` is not read again."""
    files: list[LocalFile] = []
    stats: dict[str, tuple[int, int, str]] = {}
    root = str(site)
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            st = os.stat(path)
            seen = known.get(key)
            if seen and seen[0] == st.st_mtime_ns and seen[1] == st.st_size:
                md5 = seen[2]
            else:
                with open(path, "rb") as f:
                    md5 = hashlib.md5(f.read()).hexdigest()  # noqa: S324  (S3's ETag is an MD5: it is what we compare)
            stats[key] = (trusted_mtime(st.st_mtime_ns), st.st_size, md5)  # (-1: too fresh to trust next time)
            files.append(LocalFile(key, Path(path), st.st_size, md5, content_type(key), cache_control(key), stage(key)))
    return files, stats
