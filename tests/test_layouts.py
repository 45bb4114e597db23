"""An edit to the layout alone reuses each page's blocks, and never where a block could see it."""

from __future__ import annotations

import os
import time

import jinja2
import pytest
from conftest import NOW, Project, tree_digest

from tide.config import BuildOptions, Paths
from tide.layouts import facts, layering
from tide.pipeline import build


def edit(project: Project, name: str, old: str, new: str) -> None:
    path = project.root / "templates" / name
    text = path.read_text()
    assert old in text, f"{name} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1))


def clean(project: Project) -> dict[str, str]:
    out = project.root / "clean"
    build(Paths(project.root, out), BuildOptions(now=NOW, use_cache=False))
    return tree_digest(out)


def small_site(project: Project) -> None:
    for n, tag in enumerate(["小米", "小米", "京东"]):
        project.article(
            f"a{n}", title=f"文章{n}", date=f"2025-03-0{n + 1} 10:00", front=f"tags: [{tag}]\ncategory: 深度", body=f"第{n}篇的正文。\n\n## 小节\n\n再一段。\n"
        )
    project.write("content/pages/about.md", "---\ntitle: 关于\nslug: about\n---\n关于我们。\n")


def test_a_layout_edit_reuses_every_pages_blocks_and_matches_a_clean_build(project: Project) -> None:
    small_site(project)
    project.build()
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")
    result = project.build()
    assert result.reused == result.rendered >= 12  # every page that extends it (feeds and the sitemap do not)
    assert tree_digest(project.site) == clean(project)
    assert "订阅 RSS（新）" in project.read("articles/a1/index.html")
    edit(project, "base.html", "文章归档", "全部文章")  # again: the blocks now come from a page made that way
    again = project.build()
    assert again.reused == result.reused
    assert tree_digest(project.site) == clean(project)


def test_a_stylesheet_edit_reuses_the_blocks_that_do_not_name_it(project: Project) -> None:
    small_site(project)
    project.build()
    css = project.root / "templates/static/style.css"
    css.write_text(css.read_text() + ".x-new { color: red }\n")
    result = project.build()
    assert result.reused > 0
    assert tree_digest(project.site) == clean(project)


def test_a_page_template_edit_draws_its_blocks_again(project: Project) -> None:
    small_site(project)
    project.build()
    edit(project, "article.html", "相关阅读", "延伸阅读")
    result = project.build()
    assert result.rendered == 3 and result.reused == 0
    assert "延伸阅读" in project.read("articles/a0/index.html")
    assert tree_digest(project.site) == clean(project)


@pytest.mark.parametrize(
    ("page_edit", "layout_edit", "page", "shown", "drawn_in_full"),
    [
        # a block reading a name the layout sets at its top level would keep the old value if reused
        (("article.html", "相关阅读", '相关阅读{{ layout_note|default("") }}'), ("<!doctype html>", '{% set layout_note = "（编者按）" %}<!doctype html>'),
         "articles/a0/index.html", "相关阅读（编者按）", 3),
        # a block calling super() shows the layout's own block
        (("page.html", "{% block title %}", "{% block title %}{{ super() }} · "),
         ("<title>{% block title %}{{ site.title }}", "<title>{% block title %}《{{ site.title }}》"), "about/index.html", "<title>《测试刊物》 · 关于", 1),
    ],
)  # fmt: skip
def test_blocks_that_see_the_layout_are_drawn_again(
    project: Project, page_edit: tuple[str, str, str], layout_edit: tuple[str, str], page: str, shown: str, drawn_in_full: int
) -> None:
    small_site(project)
    edit(project, *page_edit)
    project.build()
    edit(project, "base.html", *layout_edit)
    result = project.build()
    assert shown in project.read(page)
    assert result.reused == result.rendered - drawn_in_full
    assert tree_digest(project.site) == clean(project)


def test_a_block_the_layout_filters_is_drawn_again_and_stays_right(project: Project) -> None:
    """The layout may pass a block's text through a filter: that text is not in the page verbatim,
    so it is not noted, and the block runs again."""
    small_site(project)
    edit(
        project,
        "base.html",
        "<title>{% block title %}{{ site.title }}{% endblock %}</title>",
        "<title>{% filter upper %}{% block title %}{{ site.title }}{% endblock %}{% endfilter %}</title>",
    )
    edit(project, "article.html", "{% block title %}", "{% block title %}title ")
    project.build()
    assert "<title>TITLE 文章0" in project.read("articles/a0/index.html")
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")
    result = project.build()
    assert result.reused > 0
    assert "<title>TITLE 文章0" in project.read("articles/a0/index.html")
    assert tree_digest(project.site) == clean(project)


def test_a_layout_edit_takes_the_body_block_as_bytes_and_the_ones_the_layout_reads_as_text(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The article's main block goes into the page as it was written (never decoded); title and
    description, which base.html also reads through self, are given as text."""
    from tide import draw

    small_site(project)
    project.build()
    given: dict[str, dict[str, str | bytes]] = {}
    last_blocks = draw._last_blocks

    def spy(writer: object, rel: str, *args: object) -> dict[str, str | bytes] | None:
        given[rel] = found = last_blocks(writer, rel, *args)  # type: ignore[arg-type]
        return found

    monkeypatch.setattr(draw, "_last_blocks", spy)
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")
    project.build()
    article = given["articles/a1/index.html"]
    assert isinstance(article["main"], bytes) and "第1篇的正文".encode() in article["main"]
    assert isinstance(article["title"], str) and isinstance(article["description"], str)
    assert tree_digest(project.site) == clean(project)


def test_a_block_the_syntax_facts_missed_is_caught_and_drawn_from_its_text(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A block given as bytes whose stand-in reaches the page other than where the block stands
    (here base.html's self.description(), with the syntax facts made to miss it) is caught, and
    the page is drawn from the block's text instead."""
    from tide import layouts

    monkeypatch.setattr(layouts, "_captured", lambda ast: frozenset())
    caught = []
    render = layouts.Tap.render

    def spy(self: layouts.Tap, *args: object) -> bytes:
        try:
            return render(self, *args)  # type: ignore[arg-type]
        except layouts.StandInLeaked:
            caught.append(self)
            raise

    monkeypatch.setattr(layouts.Tap, "render", spy)
    small_site(project)
    project.build()
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")
    result = project.build()
    assert caught and result.reused == result.rendered
    assert "tide-block" not in project.read("articles/a1/index.html")
    assert tree_digest(project.site) == clean(project)


@pytest.mark.parametrize(
    ("layout", "raw"),
    [
        ("<p>{% block main %}{% endblock %}</p>", {"main", "side"}),
        ("{% for i in xs %}{% block main %}{% endblock %}{% endfor %}", {"main", "side"}),
        ("{% if x %}{% with y = 1 %}{% block main %}{% endblock %}{% endwith %}{% endif %}", {"main", "side"}),
        ("{% filter upper %}{% block main %}{% endblock %}{% endfilter %}", {"side"}),
        ("{% set held %}{% block main %}{% endblock %}{% endset %}{{ held }}", {"side"}),
        ("<title>{{ self.main() }}</title>{% block main %}{% endblock %}", {"side"}),
        ('{{ self["main"]() }}{% block main %}{% endblock %}', set()),
    ],
)
def test_only_blocks_written_where_they_stand_are_given_as_bytes(layout: str, raw: set[str]) -> None:
    page = '{% extends "base.html" %}{% block main %}M{% endblock %}{% block side %}S{% endblock %}'
    found = layering_of({"base.html": layout + "{% block side %}{% endblock %}", "page.html": page})
    assert found is not None and found.raw == raw  # type: ignore[attr-defined]


def test_a_layout_edit_that_puts_a_block_inside_a_filter_gives_the_filter_its_text(project: Project) -> None:
    """The last page had the block where it stands (so its bytes could be taken); the edited
    layout filters it: the filter must get the block's text, not a stand-in."""
    small_site(project)
    project.build()
    edit(
        project,
        "base.html",
        '<main id="main-content" class="{% block main_class %}page{% endblock %}">',
        '<main id="main-content" class="{% filter upper %}{% block main_class %}page{% endblock %}{% endfilter %}">',
    )
    result = project.build()
    assert result.reused > 0
    assert 'class="PAGE ARTICLE-PAGE"' in project.read("articles/a1/index.html")
    assert tree_digest(project.site) == clean(project)


def test_an_output_changed_by_hand_is_drawn_in_full(project: Project) -> None:
    small_site(project)
    project.build()
    page = project.site / "articles/a1/index.html"
    page.write_text(page.read_text().replace("第1篇的正文", "被人改过的正文"))
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")
    project.build()
    assert "第1篇的正文" in project.read("articles/a1/index.html")
    assert tree_digest(project.site) == clean(project)


ENV = jinja2.Environment()


def layering_of(templates: dict[str, str], name: str = "page.html") -> object:
    known = {n: facts(ENV, source) for n, source in templates.items()}
    return layering(name, lambda n: known.get(n) or facts(ENV, ""))


@pytest.mark.parametrize(
    ("layout", "page", "reusable"),
    [
        ("<p>{% block main %}{% endblock %}</p>", "{% block main %}{{ x }}{% endblock %}", True),
        ("{% set x = 1 %}{% block main %}{% endblock %}", "{% block main %}{{ x }}{% endblock %}", False),
        ("{% if a %}{% set x = 1 %}{% endif %}{% block main %}{% endblock %}", "{% block main %}{{ x }}{% endblock %}", False),
        ("{% for x in xs %}{{ x }}{% endfor %}{% block main %}{% endblock %}", "{% block main %}{{ x }}{% endblock %}", True),
        ("{% macro x() %}{% endmacro %}{% block main %}{% endblock %}", "{% block main %}{{ x() }}{% endblock %}", False),
        ('{% import "m.html" as x %}{% block main %}{% endblock %}', "{% block main %}{{ x.y }}{% endblock %}", False),
        ('{% from "m.html" import y as x %}{% block main %}{% endblock %}', "{% block main %}{{ x }}{% endblock %}", False),
        ("{% for i in xs %}{% block main scoped %}{% endblock %}{% endfor %}", "{% block main %}{{ i }}{% endblock %}", False),
        ("{% block main %}{% endblock %}", "{% block main %}{{ super() }}{% endblock %}", False),
        ("{% block main %}{% endblock %}{% block other %}{% endblock %}", "{% block main %}{{ self.other() }}{% endblock %}", False),
        ("{% set x = 1 %}{% block main %}{% endblock %}", '{% block main %}{% include "part.html" %}{% endblock %}', False),
    ],
)
def test_blocks_are_reusable_only_where_they_cannot_see_the_layout(layout: str, page: str, reusable: bool) -> None:
    templates = {"base.html": layout, "page.html": '{% extends "base.html" %}' + page, "part.html": "{{ x }}", "m.html": ""}
    assert (layering_of(templates) is not None) is reusable


def test_a_page_that_extends_nothing_a_computed_name_or_a_broken_template_has_no_layering() -> None:
    assert layering_of({"page.html": "<p>{{ x }}</p>"}) is None
    assert layering_of({"page.html": "{% extends layout %}{% block main %}{% endblock %}", "base.html": ""}) is None
    assert layering_of({"page.html": '{% extends "base.html" %}{% block main %}{% endblock %}', "base.html": "{% if %}"}) is None
    assert layering_of({"page.html": '{% extends "base.html" %}{% block main %}{% endif %}', "base.html": ""}) is None


def test_a_command_line_build_after_a_theme_edit_and_a_body_edit_takes_the_saved_graph(project: Project) -> None:
    """Templates are compared by their bytes, not their times: a theme edit a moment ago, with a
    body edit, still takes the saved graph, and so does the body edit after it."""
    small_site(project)
    long_ago = time.time() - 3600
    for path in project.root.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    project.build()
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")  # just now: its time is not trusted
    project.article("a1", title="文章1", date="2025-03-02 10:00", front="tags: [小米]\ncategory: 深度", body="改过的正文。\n")
    result = project.build()
    assert result.path == "theme" and result.compiled == 1
    assert tree_digest(project.site) == clean(project)
    project.article("a2", title="文章2", date="2025-03-03 10:00", front="tags: [京东]\ncategory: 深度", body="又改了一篇。\n")
    after = project.build()
    assert after.path == "bodies"
    assert tree_digest(project.site) == clean(project)


def test_a_build_right_after_a_theme_build_finds_nothing_to_draw(project: Project) -> None:
    """The theme build's stamp is too fresh to trust, so the next build cannot say "up to date" at
    once; comparing the theme by content, it takes the saved graph and draws nothing."""
    small_site(project)
    long_ago = time.time() - 3600
    for path in project.root.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    project.build()
    edit(project, "base.html", "订阅 RSS", "订阅 RSS（新）")
    assert project.build().path == "theme"
    again = project.build()
    assert again.path == "bodies" and again.rendered == 0 and again.written == []
    assert tree_digest(project.site) == clean(project)


def test_a_fragment_call_counts_its_template_among_the_pages_templates() -> None:
    assert facts(ENV, '{{ fragment("partials/card.html", item) }}').refs == frozenset({"partials/card.html"})
    assert facts(ENV, "{{ fragment(name, item) }}").refs is None  # computed: the page depends on every template


def test_a_fragment_is_drawn_once_per_item_sees_only_its_item_and_says_where_it_fails(project: Project) -> None:
    """Every list page shows the card as drawn once; an edit to the card's template redraws
    them; a card that reads the page's own names fails at its own line."""
    small_site(project)
    project.build()
    before = project.read("tags/xiao-mi/index.html")
    assert before.count('class="card"') == 2
    edit(project, "partials/card.html", '<p class="card-summary">', '<p class="card-summary" data-edited>')
    project.build()
    for page in ("index.html", "tags/xiao-mi/index.html", "categories/shen-du/index.html"):
        assert project.read(page).count("data-edited") == project.read(page).count('class="card"') > 0
    assert tree_digest(project.site) == clean(project)
    edit(project, "partials/card.html", "<h2", "<span>{{ path }}</span>\n<h2")
    failed = " ".join(project.errors())
    assert "partials/card.html:" in failed and "'path' is undefined" in failed, failed
