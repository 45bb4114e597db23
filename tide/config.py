"""``content/site.yaml`` and ``content/data/*.yaml`` -> one frozen SiteConfig; every default lives here."""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import yamldoc
from .errors import ErrorList

DEFAULTS: dict[str, Any] = {
    "title": "未命名站点",
    "description": "",
    "base_url": "http://127.0.0.1:8000/",
    "language": "zh-CN",
    "timezone": "Asia/Shanghai",
    "pagination": 10,
    "permalinks": {
        "article": "/articles/{slug}/",
        "page": "/{slug}/",
        "tag": "/tags/{slug}/",
        "category": "/categories/{slug}/",
        "author": "/authors/{slug}/",
    },
    "nav": [],
    "reading": {"cjk_per_minute": 400, "words_per_minute": 200},
    "summary_length": 120,
    "feed_size": 20,
    "related_count": 3,
    "toc_min_headings": 3,
    "taxonomy_slugs": {},
    "promos": [],  # joined with data/promos.yaml
    "logo": None,  # a file in content/, e.g. /media/logo.png: the publisher's logo for search engines and share cards
    "import": {},  # for the WeChat importer (tide/wechat/): extra credit words, boilerplate and tail patterns
    "deploy": {},  # for build.py deploy (tide/deploy/): provider, endpoint, bucket, prefix, region
    "checks": {},  # for build.py check (tide/desk/): each rule's severity, the picture budgets
}
TOOL_SECTIONS = ("import", "deploy", "checks")  # settings read by the tools around the engine, never by a build
PERMALINK_TOKENS = {"slug", "year", "month", "day"}
PAGINATED = ("home", "tag", "category", "author")  # the lists ``pagination`` may set one by one
# Pages the site has only when the theme has their template: a theme decides which lists exist
# (a minimal theme without author.html has no author pages, rather than an error at each).
OPTIONAL_TEMPLATES = ("terms.html", "author.html", "archive.html", "archive_year.html", "404.html", "search.html", "atom.xml", "sitemap.xml", "robots.txt")


@dataclass(frozen=True, slots=True)
class Paths:
    """Where the project's parts live; tests point these at temporary folders."""

    root: Path
    output: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def static(self) -> Path:
        return self.root / "templates" / "static"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How one build runs, from the command line."""

    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # pins the clock (future articles, promo dates)
    base_url: str | None = None
    use_cache: bool = True
    jobs: int | None = None  # processes; default: every core
    fingerprint: bool = True  # theme files under names that change with their bytes (the preview turns this off)


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Site-wide settings, checked; templates see them as ``site``."""

    title: str
    description: str
    base_url: str  # absolute, ends with "/"
    language: str
    timezone: ZoneInfo
    pagination: dict[str, int]  # articles per page of each list in PAGINATED; 0: the whole list on one page
    permalinks: dict[str, str]
    nav: list[dict[str, str]]
    cjk_per_minute: int
    words_per_minute: int
    summary_length: int
    feed_size: int
    related_count: int
    toc_min_headings: int
    taxonomy_slugs: dict[str, str]
    promos: list[Any]
    logo: str | None = None  # path inside content/
    data: dict[str, Any] = field(default_factory=dict)
    # Those the theme has; a tuple: a set's repr (part of every signature) changes order between processes.
    theme_has: tuple[str, ...] = OPTIONAL_TEMPLATES
    # The sections in TOOL_SECTIONS, by name: outside every signature (a tool's setting changes no page).
    tools: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def base_path(self) -> str:
        """The sub-path the site lives under: "/" or e.g. "/insight/"."""
        return urlsplit(self.base_url).path or "/"


def load_config(paths: Paths, errors: ErrorList, base_url: str | None = None) -> SiteConfig:
    """Read site.yaml and the data files; problems go to ``errors``, defaults fill the gaps."""
    site_file = paths.content / "site.yaml"
    raw, lines = _read_yaml_mapping(site_file, errors) if site_file.exists() else ({}, {})
    for key in sorted(set(raw) - set(DEFAULTS)):
        hint = difflib.get_close_matches(key, DEFAULTS, n=1)
        errors.add(site_file, lines.get(key, 1), f"unknown setting '{key}'" + (f"; did you mean '{hint[0]}'?" if hint else ""))
    merged = {**DEFAULTS, **raw}
    if base_url is not None:
        merged["base_url"] = base_url

    def check(key: str, ok: bool, message: str) -> None:
        if not ok:
            errors.add(site_file, lines.get(key, 1), message)
            merged[key] = DEFAULTS[key]

    for key in ("title", "description", "language"):
        check(key, isinstance(merged[key], str), f"'{key}' must be text")
    pagination = _pagination(merged["pagination"])
    lists = ", ".join(PAGINATED)
    check(
        "pagination",
        pagination is not None,
        f"'pagination' must be a positive whole number, or map {lists} to whole numbers (0: a list on one page)",
    )
    for key in ("summary_length", "feed_size", "related_count", "toc_min_headings"):
        check(key, isinstance(merged[key], int) and merged[key] > 0, f"'{key}' must be a positive whole number")
    check("base_url", _is_absolute_url(merged["base_url"]), "'base_url' must be an absolute http(s) URL")
    check("timezone", _zone(merged["timezone"]) is not None, f"unknown timezone '{merged['timezone']}' (e.g. Asia/Shanghai)")
    check("nav", _is_nav(merged["nav"]), "'nav' must be a list of {title, url} entries")
    check("promos", isinstance(merged["promos"], list), "'promos' must be a list of {title, text, url, start, end}")
    check("taxonomy_slugs", _is_str_map(merged["taxonomy_slugs"]), "'taxonomy_slugs' must map a tag or category to a slug")
    for key in TOOL_SECTIONS:
        check(key, isinstance(merged[key], dict), f"'{key}' must be a mapping of settings (docs/CONTENT.md)")
    reading = {**DEFAULTS["reading"], **(merged["reading"] if isinstance(merged["reading"], dict) else {})}
    check("reading", all(isinstance(v, int) and v > 0 for v in reading.values()), "'reading' speeds must be positive whole numbers")
    permalinks = {**DEFAULTS["permalinks"], **(merged["permalinks"] if isinstance(merged["permalinks"], dict) else {})}
    for kind, pattern in permalinks.items():
        problem = _permalink_problem(pattern, dated=kind in ("article", "page"))
        check("permalinks", problem is None, f"permalink for '{kind}': {problem}")

    logo = resolve_ref(merged["logo"], "") if isinstance(merged["logo"], str) else None
    check("logo", merged["logo"] is None or (logo is not None and (paths.content / logo).is_file()), f"logo '{merged['logo']}' is not a file in content/")
    base = merged["base_url"] if merged["base_url"].endswith("/") else merged["base_url"] + "/"
    return SiteConfig(
        title=merged["title"],
        description=merged["description"],
        base_url=base,
        language=merged["language"],
        timezone=_zone(merged["timezone"]) or ZoneInfo(DEFAULTS["timezone"]),
        pagination=pagination or dict.fromkeys(PAGINATED, DEFAULTS["pagination"]),
        permalinks=permalinks if not any(_permalink_problem(p, k in ("article", "page")) for k, p in permalinks.items()) else DEFAULTS["permalinks"],
        nav=merged["nav"],
        cjk_per_minute=reading["cjk_per_minute"] if isinstance(reading["cjk_per_minute"], int) else 400,
        words_per_minute=reading["words_per_minute"] if isinstance(reading["words_per_minute"], int) else 200,
        summary_length=merged["summary_length"],
        feed_size=merged["feed_size"],
        related_count=merged["related_count"],
        toc_min_headings=merged["toc_min_headings"],
        taxonomy_slugs=merged["taxonomy_slugs"],
        promos=merged["promos"] if isinstance(merged["promos"], list) else [],
        logo=logo if merged["logo"] is not None else None,
        data=load_data(paths.content / "data", errors),
        theme_has=tuple(name for name in OPTIONAL_TEMPLATES if (paths.templates / name).is_file()),
        tools={key: merged[key] for key in TOOL_SECTIONS},
    )


def _pagination(value: Any) -> dict[str, int] | None:
    """``pagination: 10`` sets every list; ``{home: 10, tag: 0}`` one by one (the rest: 10)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return dict.fromkeys(PAGINATED, value)
    if isinstance(value, dict) and set(value) <= set(PAGINATED) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()):
        return {**dict.fromkeys(PAGINATED, DEFAULTS["pagination"]), **value}
    return None


def load_data(folder: Path, errors: ErrorList) -> dict[str, Any]:
    """Every ``data/*.yaml`` file, by file name: ``data/authors.yaml`` -> ``data.authors``."""
    data: dict[str, Any] = {}
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        try:
            doc = yamldoc.parse(path.read_text(encoding="utf-8"))
            data[path.stem] = doc.value
            _report_duplicates(path, doc, errors)  # (two authors under one id: the first would vanish)
        except yamldoc.YamlProblem as exc:
            errors.add(path, exc.line, exc.message)
        except UnicodeDecodeError:
            errors.add(path, 1, "not UTF-8 text")
    return data


def _read_yaml_mapping(path: Path, errors: ErrorList) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        doc = yamldoc.parse(path.read_text(encoding="utf-8"))
    except yamldoc.YamlProblem as exc:
        errors.add(path, exc.line, exc.message)
        return {}, {}
    if doc.value is None:
        return {}, {}
    if not isinstance(doc.value, dict):
        errors.add(path, 1, "site settings must be a mapping of 'key: value' lines")
        return {}, {}
    _report_duplicates(path, doc, errors)
    return doc.value, doc.key_lines


def _report_duplicates(path: Path, doc: yamldoc.YamlDoc, errors: ErrorList) -> None:
    """A top-level key given twice is an error at its second line, as in front matter: YAML
    would quietly keep the last."""
    for key, line in doc.duplicate_keys:
        errors.add(path, line, f"'{key}' is given twice")


def _is_absolute_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


def _zone(name: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if isinstance(name, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _is_nav(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("url"), str) for item in value)


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _permalink_problem(pattern: Any, dated: bool) -> str | None:
    if not isinstance(pattern, str) or not pattern.startswith("/") or not pattern.endswith("/"):
        return "must be text that starts and ends with '/'"
    tokens = set(re.findall(r"{(\w+)}", pattern))
    if "slug" not in tokens:
        return "must contain {slug}"
    allowed = PERMALINK_TOKENS if dated else {"slug"}
    unknown = tokens - allowed
    return f"unknown placeholder {{{sorted(unknown)[0]}}}; use {', '.join('{' + t + '}' for t in sorted(allowed))}" if unknown else None


def resolve_ref(ref: str, from_dir: str) -> str | None:
    """Turn a path written in ``from_dir`` into a path inside content/, or None if it leaves content/.

    >>> resolve_ref("../../media/a.webp", "articles/2025")
    'media/a.webp'
    >>> resolve_ref("/media/a.webp", "articles/2025")
    'media/a.webp'
    """
    joined = posixpath.normpath(ref.lstrip("/") if ref.startswith("/") else posixpath.join(from_dir, ref))
    return None if joined == ".." or joined.startswith("../") or joined == "." else joined
