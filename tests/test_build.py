"""What a build publishes and how: drafts, future, aliases, promos, pagination, sub-paths, determinism."""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
from conftest import REPO, Project, copy_sample, tree_digest
from linkcheck import broken_links

from tide.config import Paths
from tide.pipeline import BuildOptions, build


def test_two_builds_of_the_same_input_are_byte_identical(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")  # the second build reads the cache the first one left
    build(Paths(root, tmp_path / "one"), BuildOptions())
    build(Paths(root, tmp_path / "two"), BuildOptions())
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one == two and len(one) > 50


def test_a_rebuild_into_the_same_folder_replaces_it_whole(project: Project) -> None:
    project.article("a", front="slug: first")
    project.build()
    project.article("a", front="slug: second")
    project.build()
    assert not (project.site / "articles/first").exists()
    assert (project.site / "articles/second/index.html").is_file()


def test_drafts_are_left_out_unless_asked_for_and_then_marked(project: Project) -> None:
    project.article("a", title="草稿文章", front="draft: true")
    project.build()
    assert not (project.site / "articles/a").exists()
    assert "草稿文章" not in project.read("index.html")
    project.build(drafts=True)
    assert "草稿 / 未发布" in project.read("articles/a/index.html")


def test_future_articles_wait_for_their_date_or_future(project: Project) -> None:
    project.article("a", date="2025-06-02 08:00")
    project.build()
    assert not (project.site / "articles/a").exists()
    project.build(now=datetime(2025, 6, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert (project.site / "articles/a/index.html").is_file()
    project.build(future=True)
    assert (project.site / "articles/a/index.html").is_file()


def test_dates_without_a_zone_are_in_the_site_timezone(project: Project) -> None:
    project.article("a", date="2025-03-01 23:30")
    project.build()
    assert '<time datetime="2025-03-01T23:30:00+08:00">2025年3月1日</time>' in project.read("articles/a/index.html")


def test_an_alias_becomes_a_redirect_page_with_canonical_and_refresh(project: Project) -> None:
    project.article("a", title="新标题", front="slug: new-name\naliases: [/2024/old-name/, /old.html]")
    project.build()
    for rel in ("2024/old-name/index.html", "old.html"):
        html = project.read(rel)
        assert '<link rel="canonical" href="https://example.org/articles/new-name/">' in html
        assert '<meta http-equiv="refresh" content="0; url=/articles/new-name/">' in html
    assert "old-name" not in project.read("sitemap.xml")


def test_an_expired_promo_disappears_at_the_next_build(project: Project) -> None:
    project.write("content/data/promos.yaml", "- {title: 春季特刊, url: /, start: 2025-03-01, end: 2025-06-01 00:00}\n")
    project.article("a")
    project.build(now=datetime(2025, 5, 31, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert "春季特刊" in project.read("articles/a/index.html")
    project.build(now=datetime(2025, 6, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert "春季特刊" not in project.read("articles/a/index.html")


def test_lists_are_paginated_and_link_to_each_other(project: Project) -> None:
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\npagination: 2\n")
    for i in range(5):
        project.article(f"a{i}", title=f"文章{i}", date=f"2025-03-0{i + 1} 10:00", front="tags: [零售]")
    project.build()
    assert (project.site / "page/3/index.html").is_file() and not (project.site / "page/4").exists()
    assert (project.site / "tags/ling-shou/page/3/index.html").is_file()
    assert 'href="/page/2/">下一页' in project.read("index.html")
    assert broken_links(project.site) == []


def test_each_list_may_have_its_own_pagination_and_0_keeps_a_list_on_one_page(project: Project) -> None:
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\npagination: {home: 2, tag: 0}\n")
    for i in range(5):
        project.article(f"a{i}", title=f"文章{i}", date=f"2025-03-0{i + 1} 10:00", front="tags: [零售]\ncategory: 深度\nauthors: [林桥]")
    project.build()
    assert (project.site / "page/3/index.html").is_file()
    assert not (project.site / "tags/ling-shou/page").exists() and project.read("tags/ling-shou/index.html").count("<article") == 5
    assert not (project.site / "categories/shen-du/page").exists() and not (project.site / "authors/lin-qiao/page").exists()  # (10 each by default)
    assert broken_links(project.site) == []


def test_a_theme_without_a_list_template_has_no_such_pages(project: Project) -> None:
    """A theme decides which lists the site has: no author.html, no author pages (and no error)."""
    for name in ("author.html", "archive.html", "archive_year.html", "404.html", "robots.txt"):
        (project.root / "templates" / name).unlink()
    project.article("a", front="tags: [零售]\nauthors: [林桥]")
    project.build()
    for missing in ("authors", "archive", "404.html", "robots.txt"):
        assert not (project.site / missing).exists(), missing
    assert (project.site / "articles/a/index.html").is_file() and (project.site / "feed.xml").is_file()
    assert "/authors/" not in project.read("sitemap.xml") and "/tags/ling-shou/" in project.read("sitemap.xml")


def test_the_benchmark_theme_makes_the_pages_the_peers_make(tmp_path: Path) -> None:
    """bench/anchor_theme does the work of the peers' minimal themes (bench/anchor_theme/README.md)."""
    project = Project(tmp_path / "p")
    shutil.rmtree(project.root / "templates")
    shutil.copytree(REPO / "bench/anchor_theme", project.root / "templates", ignore=shutil.ignore_patterns("*.md"))
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\npagination: {home: 2, tag: 0, category: 0}\n")
    for i in range(5):
        project.article(f"a{i}", title=f"文章{i}", date=f"2025-03-0{i + 1} 10:00", front="tags: [零售]\ncategory: 深度\nauthors: [林桥]")
    project.write("content/pages/about.md", "---\ntitle: 关于\nslug: about\n---\n关于我们。\n")
    project.build()
    files = {p.relative_to(project.site).as_posix() for p in project.site.rglob("*") if p.is_file() and not p.name.endswith((".css", ".svg"))}
    articles = {f"articles/a{i}/index.html" for i in range(5)}
    lists = {"index.html", "page/2/index.html", "page/3/index.html", "tags/index.html", "tags/ling-shou/index.html"}
    lists |= {"categories/index.html", "categories/shen-du/index.html"}
    assert files == articles | lists | {"about/index.html", "feed.xml", "categories/shen-du/feed.xml", "sitemap.xml"}
    assert "关于我们" in project.read("about/index.html") and project.read("tags/ling-shou/index.html").count("<li>") == 5
    assert broken_links(project.site) == []


def test_only_links_and_pictures_to_our_files_are_rewritten(project: Project) -> None:
    """A link placeholder is rewritten in href and src; the same text in another attribute stays."""
    project.write("content/pages/about.md", "---\ntitle: 关于\nslug: about\n---\n关于我们。\n")
    project.article("a", body='[关于](../pages/about.md) 和 <abbr title="tide:pages/about.md">缩写</abbr>\n')
    project.build()
    html = project.read("articles/a/index.html")
    assert '<a href="/about/">关于</a>' in html and '<abbr title="tide:pages/about.md">' in html


def test_a_site_under_a_sub_path_links_everything_under_it(project: Project) -> None:
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/insight/\nnav: [{title: 关于, url: /about/}]\n")
    project.image("content/media/a.png")
    project.write("content/pages/about.md", "---\ntitle: 关于\nslug: about\n---\n见[文章](../articles/a.md)。\n")
    project.article("a", front="tags: [小米]\ncover: /media/a.png\naliases: [/old/]", body="![图](../media/a.png)\n\n[关于](../pages/about.md)\n")
    project.build()
    assert broken_links(project.site, "/insight/") == []
    html = project.read("articles/a/index.html")
    assert re.search(r'href="/insight/static/style\.[0-9a-f]{8}\.css"', html) and 'href="/insight/about/"' in html
    assert 'srcset="/insight/media/a.480.' in html and 'og:image" content="https://example.org/insight/media/a.share.' in html
    assert '<link rel="canonical" href="https://example.org/insight/articles/a/">' in html
    feed = feedparser.parse((project.site / "feed.xml").read_bytes())
    assert feed.entries[0].link == "https://example.org/insight/articles/a/"
    assert 'src="https://example.org/insight/media/a.640.' in feed.entries[0].content[0].value
    assert "<loc>https://example.org/insight/tags/xiao-mi/</loc>" in project.read("sitemap.xml")
    assert "Sitemap: https://example.org/insight/sitemap.xml" in project.read("robots.txt")
    assert 'url=/insight/articles/a/"' in project.read("old/index.html")


def test_the_base_url_option_overrides_site_yaml(project: Project) -> None:
    project.article("a")
    project.build(base_url="https://cdn.example.com/mag/")
    assert 'href="/mag/articles/a/"' in project.read("index.html")


def test_a_moved_base_url_reaches_urls_jinja_worked_out_while_compiling(project: Project) -> None:
    """Jinja computes ``'/about/'|url`` once, when it compiles the template, and compiled templates
    are kept between builds: one compiled under another base URL must not be used."""
    base = project.root / "templates/base.html"
    base.write_text(base.read_text().replace("</footer>", "<a href=\"{{ '/about/'|url }}\">关于</a></footer>"))
    project.article("a")
    project.build()
    assert 'href="/about/">关于' in project.read("index.html")
    project.build(base_url="https://cdn.example.com/mag/")
    assert 'href="/mag/about/">关于' in project.read("index.html")


def test_a_written_summary_wins_and_a_missing_one_is_cut_from_the_first_paragraph(project: Project) -> None:
    long = "第一句话说的是渠道的变化。" * 20
    project.article("a", title="写了摘要", front="summary: 我写的摘要")
    project.article("b", title="没写摘要", body=f"{long}\n\n第二段不会出现。\n")
    project.build()
    home = project.read("index.html")
    assert "我写的摘要" in home
    summary = re.search(r'<p class="card-summary">(.*?)</p>', home)
    lead = re.search(r'<p class="lead-summary">(.*?)</p>', home)
    cut = next(m[1] for m in (summary, lead) if m and "渠道" in m[1])
    assert cut.endswith("。") and len(cut) <= 120 and "第二段" not in cut


def test_unknown_front_matter_reaches_templates_as_meta_and_data_files_as_data(project: Project) -> None:
    project.write("content/data/columns.yaml", "name: 品牌观察\n")
    project.article("a", front="subtitle: 副标题在这里\ntemplate: special.html")
    project.write("templates/special.html", "{{ page.meta.subtitle }} / {{ data.columns.name }}\n")
    project.build()
    assert project.read("articles/a/index.html") == "副标题在这里 / 品牌观察\n"


def test_two_tags_with_one_pinyin_are_reported_and_taxonomy_slugs_fix_it(project: Project) -> None:
    project.article("a", front="tags: [小米, 晓米]")
    (error,) = project.errors()
    assert error.startswith("content/site.yaml: tag '小米' and tag '晓米' would share URL /tags/xiao-mi/")
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\ntaxonomy_slugs: {晓米: xiaomi-2}\n")
    project.build()
    assert (project.site / "tags/xiaomi-2/index.html").is_file()


def test_authors_get_pages_from_data_or_from_plain_names(project: Project) -> None:
    project.write("content/data/authors.yaml", "lin-qiao: {name: 林桥, bio: 主笔}\n")
    project.article("a", front="authors: [lin-qiao, 王小明]")
    project.build()
    assert "主笔" in project.read("authors/lin-qiao/index.html")
    assert "王小明" in project.read("authors/wang-xiao-ming/index.html")


def test_the_output_may_not_replace_the_content(project: Project) -> None:
    project.article("a")
    result = project.cli("build", "--output", str(project.root / "content"))
    assert result.returncode == 1 and "refusing to build here" in result.stderr
    assert (project.root / "content/articles/a.md").is_file()


def test_a_changed_slug_warns_that_shared_links_break_until_an_alias_keeps_them(project: Project) -> None:
    project.article("a", front="slug: old-name")
    project.build()
    project.article("a", front="slug: new-name")
    result = project.cli("build")
    assert result.returncode == 0
    assert "content/articles/a.md:4: warning: URL /articles/old-name/ moved to /articles/new-name/; add 'aliases: [/articles/old-name/]'" in result.stderr
    project.article("a", front="slug: new-name\naliases: [/articles/old-name/]")
    again = project.cli("build")
    assert "warning" not in again.stderr
    assert "url=/articles/new-name/" in project.read("articles/old-name/index.html")


def test_a_deleted_article_warns_that_its_url_is_gone(project: Project) -> None:
    """Also after builds that only redrew a body: the published URLs are kept apart from the state
    those builds write, and must still be those of the last full build."""
    project.article("a")
    project.article("b")
    for path in project.root.rglob("*"):  # written long ago: times within the last seconds are not trusted
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    project.build()
    project.article("b", body="正文改了。")
    assert project.build().path == "bodies"
    (project.root / "content/articles/a.md").unlink()
    assert "warning: URL /articles/a/ is gone (articles/a.md was published there)" in project.cli("build").stderr
