"""The sample publication, built for real: every page kind, links that resolve, valid feeds."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
from linkcheck import broken_links
from lxml import etree

HERE = Path(__file__).parent


def test_every_page_kind_exists(sample_site: Path) -> None:
    for rel in [
        "index.html", "page/2/index.html", "articles/luckin-coffee-unit-economics/index.html", "about/index.html",
        "tags/index.html", "tags/rui-xing/index.html", "categories/index.html", "categories/shen-du/index.html",
        "authors/lin-qiao/index.html", "archive/index.html", "archive/2025/index.html", "404.html", "feed.xml", "categories/shen-du/feed.xml",
        "sitemap.xml", "robots.txt", "media/luckin-stores.webp",
    ]:  # fmt: skip
        assert (sample_site / rel).is_file(), rel
    static = sorted(re.sub(r"\.[0-9a-f]{8}\.", ".*.", p.name) for p in (sample_site / "static").iterdir())
    assert static == ["code.*.css", "favicon.*.svg", "style.*.css"]  # fingerprinted, nothing else


def test_every_internal_link_and_image_resolves(sample_site: Path) -> None:
    assert broken_links(sample_site) == []


def test_feeds_parse_with_absolute_links_and_full_content(sample_site: Path) -> None:
    for rel in ("feed.xml", "categories/shen-du/feed.xml"):
        feed = feedparser.parse((sample_site / rel).read_bytes())
        assert not feed.bozo, (rel, feed.get("bozo_exception"))
        assert feed.entries
        for entry in feed.entries:
            assert entry.link.startswith("https://guanchao.example.org/articles/")
            html = entry.content[0].value
            assert 'src="/' not in html and 'href="/' not in html and "tide:" not in html
    main = feedparser.parse((sample_site / "feed.xml").read_bytes())
    assert main.feed.title == "观潮商业评论"
    assert len(main.entries) == 8
    assert "<figure>" in main.entries[0].content[0].value


ATOM = "{http://www.w3.org/2005/Atom}"


def test_feeds_carry_every_element_atom_requires(sample_site: Path) -> None:
    """RFC 4287: feed and entries need id, title, updated; an author somewhere; RFC 3339 times."""
    rfc3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"
    for rel in ("feed.xml", "categories/guan-cha/feed.xml"):
        feed = etree.parse(str(sample_site / rel)).getroot()
        assert feed.tag == f"{ATOM}feed"
        for el in [feed, *feed.iter(f"{ATOM}entry")]:
            for name in ("id", "title", "updated"):
                assert len(el.findall(f"{ATOM}{name}")) == 1, (rel, name)
            assert re.match(rfc3339, el.findtext(f"{ATOM}updated") or "")
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None
        assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"https://guanchao.example.org/{rel}"
        ids = [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
        assert len(ids) == len(set(ids))


def test_sitemap_is_valid_against_the_0_9_schema(sample_site: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(HERE / "data" / "sitemap-0.9.xsd")))
    doc = etree.parse(str(sample_site / "sitemap.xml"))
    assert schema.validate(doc), schema.error_log
    locs = [el.text for el in doc.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://guanchao.example.org/articles/byd-four-million/" in locs
    assert not any("404" in loc for loc in locs)


def test_robots_points_at_the_sitemap(sample_site: Path) -> None:
    assert "Sitemap: https://guanchao.example.org/sitemap.xml" in (sample_site / "robots.txt").read_text()


def test_an_article_page_shows_what_a_reader_expects(sample_site: Path) -> None:
    html = (sample_site / "articles/luckin-coffee-unit-economics/index.html").read_text()
    assert '<time datetime="2025-02-25T08:30:00+08:00">2025年2月25日</time>' in html
    assert '<a class="author" href="/authors/lin-qiao/">林桥</a>' in html
    assert "约 4 分钟读完" in html
    assert '<nav class="toc" aria-label="本文目录">' in html
    assert "<figcaption>图源:观潮商业评论制图，数据来自瑞幸咖啡历年财报</figcaption>" in html
    assert "编排：许然" in html and "审核：周沐" in html
    assert 'href="/tags/jia-ge-zhan/">#价格战</a>' in html
    assert "订阅《观潮周报》" in html  # the running promo
    assert "双十一品牌复盘专场" not in html  # the promo that ended in 2024
    assert "上一篇" in html and "下一篇" in html and "相关阅读" in html
    assert 'href="/articles/mixue-ipo-supply-chain/"' in html  # a source-path link, rewritten


def test_the_home_page_lists_the_newest_first_with_summaries(sample_site: Path) -> None:
    html = (sample_site / "index.html").read_text()
    assert html.index("霸王茶姬") < html.index("泡泡玛特") < html.index("拼多多")
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert "第 1 / 2 页" in html


def test_the_archive_groups_by_year_and_month(sample_site: Path) -> None:
    html = (sample_site / "archive/index.html").read_text()
    assert html.index("2025 年") < html.index("2024 年")
    assert '<a href="/archive/2024/#m12">12月</a> <span class="count">1 篇</span>' in html
    year = (sample_site / "archive/2025/index.html").read_text()
    assert year.index('id="m4"') < year.index('id="m3"') < year.index('id="m1"')
    assert "2025年4月20日" in year and "霸王茶姬" in year


def test_the_404_page_links_home_with_root_relative_urls(sample_site: Path) -> None:
    html = (sample_site / "404.html").read_text()
    assert '<a href="/">回到首页</a>' in html
