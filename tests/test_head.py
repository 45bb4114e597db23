"""What a page's <head> tells browsers, search engines and share cards: fingerprinted theme files,
canonical and alternate links, Open Graph and Twitter tags, and schema.org JSON-LD."""

from __future__ import annotations

import json
import re

from conftest import REPO, Project


def ld(html: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def stylesheet(html: str) -> str:
    found = re.search(r'<link rel="stylesheet" href="/(static/style\.[0-9a-f]{8}\.css)">', html)
    assert found, html[:2000]
    return found[1]


def test_theme_files_are_minified_and_renamed_when_their_bytes_change(project: Project) -> None:
    project.article("a")
    project.build()
    first = stylesheet(project.read("index.html"))
    css = project.read(first)
    source = (REPO / "templates/static/style.css").read_text()
    assert "/*" not in css and len(css) < len(source) * 0.9 and "--accent:#b3261e" in css
    style = project.root / "templates/static/style.css"
    style.write_text(style.read_text() + "\n.new-rule { color: red }\n")
    result = project.build()
    second = stylesheet(project.read("index.html"))
    assert second != first and ".new-rule{color:red}" in project.read(second)
    assert first in result.deleted and "articles/a/index.html" in result.written


def test_the_preview_keeps_plain_names_so_a_stylesheet_edit_is_swapped_in_place(project: Project) -> None:
    project.article("a")
    project.build(fingerprint=False)
    assert '<link rel="stylesheet" href="/static/style.css">' in project.read("index.html")
    style = project.root / "templates/static/style.css"
    style.write_text(style.read_text() + "\n.new-rule { color: red }\n")
    assert project.build(fingerprint=False).written == ["static/style.css"]


def test_an_unknown_asset_is_a_template_error_with_its_line(project: Project) -> None:
    base = project.root / "templates/base.html"
    base.write_text(base.read_text().replace("asset('style.css')", "asset('styles.css')"))
    project.article("a")
    problems = project.errors()
    line = next(i for i, text in enumerate(base.read_text().split("\n"), 1) if "styles.css" in text)
    assert f"templates/base.html:{line}: LookupError: asset('styles.css'): there is no templates/static/styles.css" in problems


def test_an_article_carries_share_tags_and_a_news_article(project: Project) -> None:
    project.write("content/site.yaml", "title: 测试刊物\ndescription: 刊物简介\nbase_url: https://example.org/\nlogo: /media/logo.png\n")
    project.image("content/media/logo.png", 512, 512)
    project.image("content/media/cover.png", 1600, 900)
    project.write("content/data/authors.yaml", "lin-qiao: {name: 林桥}\n")
    project.article(
        "a", title="门店的账本", date="2025-03-01 20:00",
        front="updated: 2025-03-02 09:00\ncover: /media/cover.png\ncategory: 深度\ntags: [咖啡, 零售]\nauthors: [lin-qiao]\nsummary: 一句话摘要。",
    )  # fmt: skip
    project.build()
    html = project.read("articles/a/index.html")
    for tag in [
        '<html lang="zh-CN">',
        '<link rel="canonical" href="https://example.org/articles/a/">',
        '<link rel="alternate" hreflang="zh-CN" href="https://example.org/articles/a/">',
        '<link rel="alternate" type="application/atom+xml" title="测试刊物" href="/feed.xml">',
        '<link rel="sitemap" type="application/xml" title="网站地图" href="/sitemap.xml">',
        '<meta name="description" content="一句话摘要。">',
        '<meta property="og:type" content="article">',
        '<meta property="og:title" content="门店的账本">',
        '<meta property="og:url" content="https://example.org/articles/a/">',
        '<meta property="og:locale" content="zh_CN">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta property="article:published_time" content="2025-03-01T20:00:00+08:00">',
        '<meta property="article:tag" content="咖啡">',
    ]:
        assert tag in html, tag
    article, trail = ld(html)
    assert article["@type"] == "NewsArticle" and article["headline"] == "门店的账本" and article["description"] == "一句话摘要。"
    assert (article["datePublished"], article["dateModified"]) == ("2025-03-01T20:00:00+08:00", "2025-03-02T09:00:00+08:00")
    assert article["author"] == [{"@type": "Person", "name": "林桥", "url": "https://example.org/authors/lin-qiao/"}]
    assert article["publisher"]["logo"]["url"] == "https://example.org/media/logo.png"
    assert re.fullmatch(r"https://example\.org/media/cover\.share\.[0-9a-f]{8}\.jpg", article["image"][0])
    assert [i["name"] for i in trail["itemListElement"]] == ["首页", "深度", "门店的账本"]
    home = ld(project.read("index.html"))
    assert home[0]["@type"] == "WebSite" and home[0]["url"] == "https://example.org/"
    assert '<meta property="og:image" content="https://example.org/media/logo.png">' in project.read("tags/ka-fei/index.html")
    assert ld(project.read("tags/ka-fei/index.html"))[0]["@type"] == "BreadcrumbList"


def test_the_not_found_page_names_no_canonical_address(project: Project) -> None:
    project.article("a")
    project.build()
    assert 'rel="canonical"' not in project.read("404.html") and "<title>页面不存在" in project.read("404.html")


def test_a_logo_that_is_not_there_is_an_error_at_its_line(project: Project) -> None:
    project.write("content/site.yaml", "title: 测试刊物\nbase_url: https://example.org/\nlogo: /media/none.png\n")
    project.article("a")
    assert project.errors() == ["content/site.yaml:3: logo '/media/none.png' is not a file in content/"]
