"""Structured data (schema.org JSON-LD) for search engines: the article, the site, the trail to a page.

Templates call these through the helpers ``ld_article``, ``ld_website`` and ``ld_breadcrumbs``
and print the result with ``tojson``; the theme decides where each appears.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from .config import SiteConfig
from .site import Entry

CONTEXT = "https://schema.org"
HEADLINE_MAX = 110  # characters; search engines cut longer headlines


def publisher(config: SiteConfig, absolute: Callable[[str], str]) -> dict[str, Any]:
    found: dict[str, Any] = {"@type": "Organization", "name": config.title, "url": config.base_url}
    if config.logo:
        found["logo"] = {"@type": "ImageObject", "url": absolute("/" + config.logo)}
    return found


def article(page: Entry, config: SiteConfig, absolute: Callable[[str], str], images: list[str]) -> dict[str, Any]:
    """A NewsArticle: headline, dates, authors, publisher, image, section and keywords."""
    tz: ZoneInfo = config.timezone
    published = page.doc.date.astimezone(tz).isoformat(timespec="seconds") if page.doc.date else None
    modified = page.doc.updated.astimezone(tz).isoformat(timespec="seconds") if page.doc.updated else published
    authors = [{"@type": "Person", "name": a.name, "url": absolute(a.url)} for a in page.authors]
    found: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "headline": page.doc.title[:HEADLINE_MAX],
        "description": page.summary,
        "url": absolute(page.url),
        "mainEntityOfPage": {"@type": "WebPage", "@id": absolute(page.url)},
        "inLanguage": config.language,
        "author": authors or [publisher(config, absolute)],
        "publisher": publisher(config, absolute),
    }
    if published:
        found["datePublished"], found["dateModified"] = published, modified
    if images:
        found["image"] = images
    if page.category:
        found["articleSection"] = page.category.name
    if page.tags:
        found["keywords"] = [t.name for t in page.tags]
    return found


def website(config: SiteConfig, absolute: Callable[[str], str]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@type": "WebSite",
        "name": config.title,
        "description": config.description,
        "url": config.base_url,
        "inLanguage": config.language,
        "publisher": publisher(config, absolute),
    }


def breadcrumbs(trail: list[tuple[str, str]], absolute: Callable[[str], str]) -> dict[str, Any]:
    """A BreadcrumbList from (name, URL path) pairs, home first."""
    return {
        "@context": CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": i, "name": name, "item": absolute(path)} for i, (name, path) in enumerate(trail, start=1)],
    }
