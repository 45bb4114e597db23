"""``build.py new``: a ready article skeleton with a readable, frozen slug."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from .cjk import slugify
from .content import SLUG, find_sources

_SLUG_LINE = re.compile(r"^slug:\s*['\"]?([^'\"\s]+)", re.MULTILINE)


class ScaffoldRefused(Exception):
    """The skeleton would overwrite a file or reuse a slug."""


def new_article(content: Path, title: str, now: datetime, slug: str | None = None, category: str | None = None, tags: list[str] | None = None) -> Path:
    """Write ``content/articles/YYYY/<slug>.md`` and return its path; never overwrite anything."""
    slug = slug or slugify(title) or "untitled"
    if not SLUG.match(slug):
        raise ScaffoldRefused(f"slug '{slug}' may use only letters, digits, '-', '_' and '.'")
    path = content / "articles" / f"{now:%Y}" / f"{slug}.md"
    if path.exists():
        raise ScaffoldRefused(f"{path} already exists; choose another --slug")
    for source in find_sources(content):
        match = _SLUG_LINE.search(source.read_text(encoding="utf-8", errors="replace")[:2000])
        if (match and match[1] == slug) or (not match and source.stem == slug):
            raise ScaffoldRefused(f"slug '{slug}' is already used by {source}; choose another --slug")
    lines = [
        "---",
        f"title: {_quote(title)}",
        f"date: {now:%Y-%m-%d %H:%M}",
        f"slug: {slug}  # frozen once published: the URL depends on it",
        f"category: {_quote(category)}" if category else "# category: 深度",
        f"tags: [{', '.join(_quote(t) for t in tags)}]" if tags else "tags: []",
        "authors: []",
        "editor: ",
        "reviewer: ",
        "draft: true  # remove this line to publish",
        "---",
        "",
        "第一段会成为摘要（也可以在上面写 summary:）。",
        "",
        "## 小标题",
        "",
        '![图片说明](/media/your-image.webp "图源:来源")',
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:  # "x": refuse to overwrite even in a race
        f.write("\n".join(lines))
    return path


def _quote(text: str) -> str:
    """Quote for YAML only when needed (a colon, a hash, brackets...); JSON strings are valid YAML."""
    return json.dumps(text, ensure_ascii=False) if re.search(r"[:#\[\]{},&*!|>'\"%@`]|^\s|\s$", text) else text
