"""What Markdown becomes: figures, pull quotes, tables, code, footnotes, heading ids, source links."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tide.markup import Converter
from tide.rendered import code_stylesheet

convert = Converter().convert


def test_an_image_with_a_title_is_a_figure_with_its_credit_as_caption() -> None:
    html = convert('![SU7 Ultra 上市](../../media/su7.webp "图源:京东")', "articles/2025", 5).html
    assert html == ('<figure><img alt="SU7 Ultra 上市" decoding="async" loading="lazy" src="tide:media/su7.webp"><figcaption>图源:京东</figcaption></figure>')


def test_an_image_inside_text_stays_inline() -> None:
    html = convert("文字 ![图](/media/a.webp) 文字", "articles", 1).html
    assert "<figure>" not in html and "<img" in html


def test_a_quote_ending_in_an_attribution_is_a_pull_quote_with_its_source() -> None:
    html = convert("> 先把成本做低。\n>\n> —— 一位从业者", "", 1).html
    assert html.startswith('<figure class="pullquote"><blockquote>')
    assert "<figcaption>—— 一位从业者</figcaption>" in html


def test_a_plain_quote_is_styled_as_a_pull_quote() -> None:
    assert '<blockquote class="pullquote">' in convert("> 一句话。", "", 1).html


def test_tables_scroll_inside_a_focusable_region() -> None:
    html = convert("| a | b |\n|---|---|\n| 1 | 2 |", "", 1).html
    assert html.startswith('<div aria-label="表格" class="table-scroll" role="region" tabindex="0"><table>')


def test_fenced_code_is_highlighted_with_css_classes() -> None:
    html = convert("```python\nprint(1)\n```", "", 1).html
    assert '<div class="highlight">' in html and '<span class="nb">print</span>' in html
    assert ".highlight .nb" in code_stylesheet() and "prefers-color-scheme: dark" in code_stylesheet()


def test_footnotes_link_both_ways_in_chinese() -> None:
    html = convert("正文[^1]\n\n[^1]: 来源说明", "", 1).html
    assert 'href="#fn:1"' in html and 'href="#fnref:1"' in html and "返回正文第 1 处" in html


def test_chinese_headings_get_readable_ids_unique_in_the_page() -> None:
    r = convert("## 一、背景\n\n## 一、背景\n\n### Why it matters", "", 1)
    assert [h.id for h in r.headings] == ["一-背景", "一-背景_1", "why-it-matters"]
    assert '<h2 id="一-背景">' in r.html


def test_heading_ids_are_stable_across_conversions() -> None:
    body = "## 渠道\n\n## 价格\n\n## 渠道"
    assert convert(body, "", 1).html == Converter().convert(body, "", 1).html


def test_source_links_become_placeholders_with_their_lines() -> None:
    r = convert("第一行\n\n看[上一篇](other.md#一-背景)和[官网](https://mi.com)。\n\n![图](/media/x.webp)", "articles/2025", 10)
    assert 'href="tide:articles/2025/other.md#一-背景"' in r.html
    assert 'href="https://mi.com"' in r.html
    assert [(link.target, link.line, link.kind) for link in r.links] == [
        ("articles/2025/other.md", 12, "link"),
        ("media/x.webp", 14, "image"),
    ]


def test_a_link_that_leaves_content_is_recorded_as_such() -> None:
    (link,) = convert("[x](../../../etc/passwd)", "articles", 3).links
    assert link.target is None and link.line == 3


def test_first_paragraph_and_counts_skip_figures_and_footnote_marks() -> None:
    r = convert('![图](/media/a.webp "图源")\n\n第一段话[^1]。\n\n第二段。\n\n[^1]: 注释', "", 1)
    assert r.first_paragraph == "第一段话。"
    assert r.cjk_chars == len("图源第一段话第二段注释")


def test_straight_quotes_become_chinese_quotes_but_not_in_code() -> None:
    html = convert('他说"够用就好"。`a "b"`', "", 1).html
    assert "他说“够用就好”。" in html and '<code>a "b"</code>' in html


# Pieces that open or close every kind of Markdown construct, with plain text between them:
# joined at random they make texts where each skipped part would have had work, or nearly.
_PIECES = [
    "文字", "word", " ", "  ", "\n", "\n\n", "    ", "\t", "#", "## ", "=", "===", "-", "---", "- ", "* ", "+ ", "1. ",
    "*", "**", "_", "__", "`", "```", "~~~", "```python\n", "[", "]", "(", ")", "![", "[^1]", "[^1]: 注",
    "[ref]: /a.png", "[ref]", "]:", "<", ">", "> ", "<div>", "</div>", "<b>", "</b>", "<http://x.y>", "<a@b.c>",
    "&", "&amp;", "&copy", "\\", "\\*", "|", "| a | b |\n|---|---|\n| c | d |", "{", "}", "{: .x }", "{#id}",
    '"', "'", "“", "  \n", "\u3000", "图源:京东",
]  # fmt: skip


def _stock_and_fast():  # type: ignore[no-untyped-def]
    import markdown

    from tide.fastmarkdown import FastMarkdown

    exts = ["tables", "footnotes", "fenced_code", "attr_list", "sane_lists", "codehilite"]
    return markdown.Markdown(extensions=exts), FastMarkdown(extensions=exts)


_PAIR = _stock_and_fast()


def test_the_fast_markdown_gives_exactly_the_stock_output() -> None:
    samples = [
        "a *b* _c_ **d** __e__ ***f*** `g` \\* [h](i) ![j](k) <http://x.y> <a@b.c> &amp; <b>x</b>  \nnext [^1]\n\n[^1]: n",
        "中文*强调*和_下划线_，**粗**体，[链接][ref] ![图][ref]\n\n[ref]: /a.png",
        "`code with [link](x) and *stars*` and \\[escaped\\] &copy; <span>*in html*</span>",
        "> 引用 *强调*\n>\n> - 列表 [x](y)\n\n| a | *b* |\n|---|---|\n| `c` | [d](e) |",
        "标题\n===\n\n小节\n---\n\n* * *\n\n## 二 {#two}\n\n段落 {: .lead }\n\n```python\nprint('x')\n```\n\n~~~\n<raw>\n~~~",
        "[外 [内](b) 文](d)、![图 [注](x)](y)、<b>[链](z)</b> 和 **粗 *斜* 粗**",
        '1. 一\n2. 二\n\n    缩进的代码\n\n<div markdown="1">\n*在 HTML 里*\n</div>\n\nAT&T 和 &#169;',
    ]
    stock, fast = _PAIR
    for text in samples:
        stock.reset(), fast.reset()
        assert fast.convert(text) == stock.convert(text), text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_the_fast_markdown_matches_the_stock_output_on_any_text(text: str) -> None:
    stock, fast = _PAIR
    stock.reset(), fast.reset()
    assert fast.convert(text) == stock.convert(text)
