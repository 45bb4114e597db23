"""Every output the site has: its URL path, the template that draws it and what that template gets."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from .errors import BuildError, ErrorList
from .site import Entry, Site

FEED = "/feed.xml"


@dataclass(frozen=True, slots=True)
class Route:
    path: str  # URL path under the base path: "/articles/x/" or "/feed.xml"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # who asked for this URL, for collision messages: a content path or a description
    origin_line: int = 0
    in_sitemap: bool = True

    @property
    def lastmod(self) -> Any:
        """When the page's content last changed, for the sitemap; None for lists."""
        page = self.context.get("page")
        return (page.doc.updated or page.doc.date) if page is not None else None

    @property
    def file(self) -> str:
        """The file inside the output folder: "/a/" -> "a/index.html"."""
        return (self.path + "index.html" if self.path.endswith("/") else self.path).lstrip("/")


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a paginated list (its URLs are worked out, not listed: a saved graph stores
    each route on its own, and a list of every page's URL in each would grow with the square)."""

    number: int
    total: int
    items: list[Entry]
    base: str  # the URL path of the first page

    def url_of(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def prev_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.total else None


def paginate(items: list[Entry], per_page: int, base: str) -> list[Pager]:
    """Split ``items`` into pages at base, base/page/2/, ...; an empty list still gets one page;
    ``per_page`` 0 keeps the whole list on one."""
    size = per_page or len(items) or 1
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    return [Pager(n, len(chunks), chunk, base) for n, chunk in enumerate(chunks, start=1)]


def plan(site: Site, content_prefix: str = "content/") -> list[Route]:
    """All routes of the site, in a stable order; the lists in config.OPTIONAL_TEMPLATES only
    when the theme has their template."""
    c = site.config
    has = c.theme_has
    routes = [Route(p.url, "index.html", {"pager": p}, "the home page") for p in paginate(site.articles, c.pagination["home"], "/")]
    for entry in site.articles + site.pages:
        template = str(entry.doc.meta.get("template", f"{entry.doc.kind}.html"))
        routes.append(Route(entry.url, template, {"page": entry}, content_prefix + entry.doc.rel, entry.doc.lines.get("slug", 1)))
        for alias in entry.doc.aliases:
            path = alias if alias.endswith(("/", ".html")) else alias + "/"
            routes.append(Route(path, "redirect.html", {"target": entry}, content_prefix + entry.doc.rel, entry.doc.lines.get("aliases", 1), False))
    for kind, terms, index in (("tag", site.tags, "/tags/"), ("category", site.categories, "/categories/")):
        if "terms.html" in has:
            routes.append(Route(index, "terms.html", {"kind": kind, "terms": terms}, f"the {kind} index"))
        for term in terms:
            for p in paginate(term.members, c.pagination[kind], term.url):
                routes.append(Route(p.url, "term.html", {"term": term, "pager": p}, f"{kind} '{term.name}'"))
            if kind == "category" and "atom.xml" in has:
                routes.append(_feed(term.url + "feed.xml", f"{c.title} · {term.name}", term.members[: c.feed_size], term.url))
    if "author.html" in has:
        for author in site.authors:
            for p in paginate(author.members, c.pagination["author"], author.url):
                routes.append(Route(p.url, "author.html", {"author": author, "pager": p}, f"author '{author.name}'"))
    routes += archive_routes(site.articles, c.timezone, has)
    if "search.html" in has:  # (its index: tide/search, written beside the pages)
        routes.append(Route("/search/", "search.html", {}, "the search page", in_sitemap=False))
    if "404.html" in has:
        routes.append(Route("/404.html", "404.html", {}, "the 404 page", in_sitemap=False))
    if "atom.xml" in has:
        routes.append(_feed(FEED, c.title, site.articles[: c.feed_size], "/"))
    if "robots.txt" in has:
        routes.append(Route("/robots.txt", "robots.txt", {}, "robots.txt", in_sitemap=False))
    if "sitemap.xml" in has:
        sitemap = [r for r in routes if r.in_sitemap and r.path.endswith("/")]
        routes.append(Route("/sitemap.xml", "sitemap.xml", {"routes": sitemap}, "the sitemap", in_sitemap=False))
    return routes


def _feed(path: str, title: str, entries: list[Entry], home: str) -> Route:
    return Route(path, "atom.xml", {"feed_title": title, "feed_url": path, "feed_home": home, "entries": entries}, f"feed {path}", in_sitemap=False)


def archive(articles: list[Entry], tz: Any) -> list[tuple[int, list[tuple[int, list[Entry]]]]]:
    """Articles grouped by year, then month, newest first."""
    dated = [(a.doc.date.astimezone(tz), a) for a in articles if a.doc.date]
    years = []
    for year, in_year in groupby(dated, key=lambda d: d[0].year):
        months = [(month, [a for _, a in group]) for month, group in groupby(in_year, key=lambda d: d[0].month)]
        years.append((year, months))
    return years


def archive_routes(articles: list[Entry], tz: Any, has: tuple[str, ...]) -> list[Route]:
    """/archive/ lists the years and months with counts; /archive/YYYY/ lists one year's articles
    (each when the theme ``has`` its template).

    One page a year keeps an edit from redrawing a page of every article the site has.
    """
    years = archive(articles, tz)
    index = [(year, [(month, len(items)) for month, items in months]) for year, months in years]
    routes = [Route("/archive/", "archive.html", {"years": index}, "the archive")] if "archive.html" in has else []
    for year, months in years if "archive_year.html" in has else ():
        routes.append(Route(f"/archive/{year}/", "archive_year.html", {"year": year, "months": months}, f"the archive of {year}"))
    return routes


def any_collision(files: list[str], claims: dict[str, str]) -> bool:
    """Whether any of these route files is also claimed (without reading the routes: a saved
    graph's routes among themselves were checked when it was built)."""
    return not claims.keys().isdisjoint(posixpath.normpath(f) for f in files)


def check_collisions(routes: list[Route], files: dict[str, str], errors: ErrorList) -> None:
    """Two things at one URL is an error at each file involved, naming the others.

    When only generated pages collide (two tags whose pinyin is the same), the fix is a
    ``taxonomy_slugs`` entry, so the error is reported at site.yaml.
    """
    claims: dict[str, list[tuple[str, int]]] = {}
    for r in routes:
        claims.setdefault(posixpath.normpath(r.file), []).append((r.origin, r.origin_line))
    for file, origin in files.items():
        claims.setdefault(file, []).append((origin, 0))
    for file, owners in sorted(claims.items()):
        if len(owners) < 2:
            continue
        url = "/" + file.removesuffix("index.html")
        sources = [(o, line) for o, line in owners if o.startswith(("content/", "templates/"))]
        for origin, line in sources:
            others = ", ".join(o for o, _ in owners if o != origin)
            errors.add(origin, line, f"URL {url} is also used by {others}; give one of them another slug")
        if not sources:
            names = " and ".join(o for o, _ in owners)
            errors.add("content/site.yaml", 0, f"{names} would share URL {url}; set a different slug for one under 'taxonomy_slugs'")


def lost_urls(before: dict[str, str], site: Site, routes: list[Route]) -> list[BuildError]:
    """Published URLs the last build had and this one lacks: shared links that would now break.

    A slug changed or a file renamed moves an article; ``aliases:`` keeps the old link alive.
    """
    served = {r.path for r in routes}
    now_at = {e.doc.rel: e for e in site.articles + site.pages}
    warnings = []
    for url, rel in sorted(before.items()):
        if url in served:
            continue
        moved = now_at.get(rel)
        where, line = (f"content/{rel}", moved.doc.lines.get("slug", 1)) if moved else ("content/", 0)
        hint = f"add 'aliases: [{url}]' to keep links to it working" + ("" if moved else " (to the article that replaces it)")
        what = f"moved to {moved.url}" if moved else f"is gone ({rel} was published there)"
        warnings.append(BuildError(where, line, f"warning: URL {url} {what}; {hint}"))
    return warnings
