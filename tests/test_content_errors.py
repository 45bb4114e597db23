"""Every problem in the content is reported as path:line: message, all at once, and site/ survives."""

from __future__ import annotations

from conftest import Project, tree_digest


def test_broken_yaml_names_the_line_where_the_bracket_opened(project: Project) -> None:
    project.write("content/articles/a.md", "---\ntitle: 好标题\ndate: 2025-03-01\ntags: [小米, 京东\n---\n正文\n")
    (error,) = project.errors()
    assert error.startswith("content/articles/a.md:4: invalid YAML: did not find expected ',' or ']'")
    assert "flow sequence that starts on this line; the parser noticed at line 5" in error


def test_missing_title_and_date_are_reported_together(project: Project) -> None:
    project.write("content/articles/a.md", "---\ncategory: 深度\n---\n正文\n")
    assert project.errors() == [
        "content/articles/a.md:1: missing 'date': add e.g. 'date: 2025-03-01 20:00'",
        "content/articles/a.md:1: missing 'title': add 'title: ...' to the front matter",
    ]


def test_an_impossible_date_is_named_at_its_line(project: Project) -> None:
    project.article("a", date="2025-02-30 10:00", front="tags: [x]")
    assert project.errors() == ["content/articles/a.md:3: date '2025-02-30 10:00' is not a real date (expected YYYY-MM-DD HH:MM)"]


def test_an_unreadable_date_says_what_form_is_expected(project: Project) -> None:
    project.article("a", date="下周三")
    (error,) = project.errors()
    assert error.startswith("content/articles/a.md:3: cannot read date '下周三' (expected YYYY-MM-DD HH:MM")


def test_a_file_without_front_matter_says_how_to_start(project: Project) -> None:
    project.write("content/articles/a.md", "# 只有正文\n")
    (error,) = project.errors()
    assert error.startswith("content/articles/a.md:1: no front matter: the file must start with a line '---'")


def test_unclosed_front_matter_is_reported(project: Project) -> None:
    project.write("content/articles/a.md", "---\ntitle: 标题\ndate: 2025-01-01\n正文\n")
    (error,) = project.errors()
    assert "front matter is not closed" in error


def test_two_articles_with_one_url_name_each_other(project: Project) -> None:
    project.article("a", front="slug: same")
    project.article("b", front="slug: same")
    assert project.errors() == [
        "content/articles/a.md:4: URL /articles/same/ is also used by content/articles/b.md; give one of them another slug",
        "content/articles/b.md:4: URL /articles/same/ is also used by content/articles/a.md; give one of them another slug",
    ]


def test_a_page_cannot_take_a_generated_url(project: Project) -> None:
    project.write("content/pages/tags.md", "---\ntitle: 标签\nslug: tags\n---\n正文\n")
    (error,) = project.errors()
    assert error == "content/pages/tags.md:3: URL /tags/ is also used by the tag index; give one of them another slug"


def test_a_link_to_nowhere_is_reported_at_its_line(project: Project) -> None:
    project.article("a", body="第一段。\n\n见[另一篇](missing.md)。\n")
    assert project.errors() == ["content/articles/a.md:8: link 'missing.md' points to content/articles/missing.md, which does not exist"]


def test_an_image_to_nowhere_is_reported_at_its_line(project: Project) -> None:
    project.article("a", body='第一段。\n\n![图](../media/none.webp "图源:京东")\n')
    assert project.errors() == ["content/articles/a.md:8: image '../media/none.webp' points to content/media/none.webp, which does not exist"]


def test_a_missing_cover_is_reported_at_its_line(project: Project) -> None:
    project.article("a", front="cover: /media/none.webp")
    assert project.errors() == ["content/articles/a.md:4: cover image '/media/none.webp' does not exist"]


def test_a_link_to_a_missing_heading_is_reported(project: Project) -> None:
    project.article("a", body="## 背景\n")
    project.article("b", body="见[背景](a.md#结论)。\n")
    assert project.errors() == ["content/articles/b.md:6: link 'a.md#结论': articles/a.md has no heading with id '结论'"]


def test_a_link_to_a_draft_is_reported_unless_drafts_are_built(project: Project) -> None:
    project.article("a", front="draft: true")
    project.article("b", body="见[草稿](a.md)。\n")
    assert project.errors() == ["content/articles/b.md:6: link 'a.md' points to articles/a.md, which is a draft and not published"]
    project.build(drafts=True)


def test_an_unknown_author_id_is_reported(project: Project) -> None:
    project.write("content/data/authors.yaml", "lin-qiao: {name: 林桥}\n")
    project.article("a", front="authors: [lin-qiao, lin-qaio]")
    assert project.errors() == ["content/articles/a.md:4: unknown author id 'lin-qaio'; add it to data/authors.yaml or write the name"]


def test_an_unknown_setting_suggests_the_right_one(project: Project) -> None:
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\npaginaton: 5\n")
    assert project.errors() == ["content/site.yaml:3: unknown setting 'paginaton'; did you mean 'pagination'?"]


def test_a_key_given_twice_in_site_yaml_or_a_data_file_is_named_where_it_comes_again(project: Project) -> None:
    project.write("content/site.yaml", "title: 刊物\npagination: 10\nbase_url: https://example.org/\npagination: 5\n")
    assert project.errors() == ["content/site.yaml:4: 'pagination' is given twice"]
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\n")
    project.write("content/data/authors.yaml", "lin-qiao: {name: 林桥}\nwang: {name: 王明}\nlin-qiao: {name: 林乔}\n")
    assert project.errors() == ["content/data/authors.yaml:3: 'lin-qiao' is given twice"]


def test_a_pagination_for_an_unknown_list_is_named(project: Project) -> None:
    project.write("content/site.yaml", "title: 刊物\nbase_url: https://example.org/\npagination: {home: 10, tags: 0}\n")
    (error,) = project.errors()
    assert (
        error
        == "content/site.yaml:3: 'pagination' must be a positive whole number, or map home, tag, category, author to whole numbers (0: a list on one page)"
    )


def test_a_template_syntax_error_names_the_template_and_line(project: Project) -> None:
    project.article("a")
    project.write("templates/article.html", "{% extends 'base.html' %}\n{% block main %}\n{% if page.title %}\n{% endblock %}\n")
    (error,) = project.errors()
    assert error.startswith("templates/article.html:4: template syntax error: Encountered unknown tag 'endblock'")


def test_an_undefined_name_in_a_template_is_an_error_not_a_blank(project: Project) -> None:
    project.article("a")
    project.write("templates/article.html", "{% extends 'base.html' %}\n{% block main %}\n<p>{{ page.subtitle_typo }}</p>\n{% endblock %}\n")
    (error,) = project.errors()
    assert error.startswith("templates/article.html:3: undefined value:")
    assert "subtitle_typo" in error


def test_data_from_yaml_reads_as_jinja_reads_it(project: Project) -> None:
    """Dicts from YAML take a fast path for ``x.name``; it must find what Jinja finds: a dict's
    methods before its items, its items, and an error for a missing key."""
    project.write("content/data/shelf.yaml", "items: 书架\ntitle: 新书\n")
    project.article("a")
    page = "{% extends 'base.html' %}\n{% block main %}\n<p>{{ data.shelf.title }}|{{ data.shelf['items'] }}|{{ data.shelf.items()|list|length }}</p>\n"
    project.write("templates/article.html", page + "{% endblock %}\n")
    project.build()
    assert "<p>新书|书架|2</p>" in project.read("articles/a/index.html")
    project.write("templates/article.html", page + "<p>{{ data.shelf.subtitle }}</p>\n{% endblock %}\n")
    (error,) = project.errors()
    assert error.startswith("templates/article.html:4: undefined value:") and "subtitle" in error


def test_every_problem_is_reported_in_one_run_sorted_by_file(project: Project) -> None:
    project.article("b", date="2025-13-01")
    project.article("a", body="[x](nowhere.md)\n")
    project.write("content/pages/about.md", "no front matter\n")
    errors = project.errors()
    assert [e.split(":")[0] for e in errors] == ["content/articles/a.md", "content/articles/b.md", "content/pages/about.md"]


def test_a_failed_build_leaves_the_previous_site_exactly_as_it_was(project: Project) -> None:
    project.article("a", body="第一段。\n")
    project.build()
    before = tree_digest(project.site)
    project.article("a", body="[坏链接](nowhere.md)\n")
    project.errors()
    assert tree_digest(project.site) == before
    assert not any(p.name.startswith(".site") for p in project.root.iterdir())


def test_a_template_error_mid_render_also_leaves_the_site_untouched(project: Project) -> None:
    project.article("a")
    project.build()
    before = tree_digest(project.site)
    project.write("templates/404.html", "{{ nothing_here }}")
    project.errors()
    assert tree_digest(project.site) == before


def test_the_command_line_prints_problems_without_a_traceback_and_exits_non_zero(project: Project) -> None:
    project.article("a", date="2025-02-30")
    result = project.cli("build")
    assert result.returncode == 1
    assert "content/articles/a.md:3: date '2025-02-30' is not a real date" in result.stderr
    assert "Traceback" not in result.stderr
    assert "build failed: 1 problem(s)" in result.stderr
