"""Find every link and image in a built site and check that what it points at exists."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for name in ("href", "src"):
            if a.get(name) and not (tag == "link" and a.get("rel") == "canonical"):
                self.refs.append(a[name] or "")


def parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path, base_path: str = "/") -> list[str]:
    """Every internal href/src in every HTML file that does not resolve, as 'page -> target'."""
    pages = {p: parse(p) for p in site.rglob("*.html")}
    broken = []
    for page, refs in sorted(pages.items()):
        for ref in refs.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                continue
            if not parts.path:  # a fragment in the same page
                if unquote(parts.fragment) not in refs.ids:
                    broken.append(f"{page.relative_to(site)} -> {ref}")
                continue
            if not parts.path.startswith(base_path):
                broken.append(f"{page.relative_to(site)} -> {ref} (outside {base_path})")
                continue
            target = site / unquote(parts.path[len(base_path) :])
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {ref}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{page.relative_to(site)} -> {ref} (no such id)")
    return broken
