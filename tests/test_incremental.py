"""Incremental builds: after any sequence of edits, the output equals a clean build's, byte for byte."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import NOW, REPO, Project, tree_digest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tide import draw, graphstore, output, processes, retimed
from tide.config import BuildOptions, Paths, load_config
from tide.errors import BuildFailed, ErrorList
from tide.freshness import input_stamps
from tide.pipeline import Builder, build
from tide.site import Entry
from tide.store import Cache

TAGS = ["小米", "京东", "零售", "咖啡", "出海"]
TITLES = ["渠道之变", "价格战", "门店的账本", "出海记", "第二曲线", "会员店"]
MARKERS = {"article.html": "相关阅读", "base.html": "订阅 RSS", "partials/card.html": "分钟", "term.html": "共 "}  # visible text to change


def write_article(project: Project, n: int, title: str, day: int, tags: list[str], draft: bool, body: str) -> None:
    front = f"tags: [{', '.join(tags)}]\ncategory: {'深度' if n % 2 else '观察'}\nauthors: [林桥]" + ("\ndraft: true" if draft else "")
    for i in range(2):
        if not (project.root / f"content/media/p{i}.png").exists():
            project.image(f"content/media/p{i}.png", width=500 + i * 300, height=300)
    front += f"\ncover: /media/p{n % 2}.png" if n % 3 == 0 else ""
    picture = f"\n\n![图{n}](/media/p{n % 2}.png)" if n % 3 == 1 else ""
    project.article(f"a{n}", title=title, date=f"2025-03-{day:02d} 10:00", front=front, body=body + picture)


single_edits = st.one_of(
    st.tuples(st.just("write"), st.integers(0, 5), st.sampled_from(TITLES), st.integers(1, 28),
              st.lists(st.sampled_from(TAGS), max_size=3, unique=True), st.booleans(),
              st.sampled_from(["第一段。", "第一段。\n\n第二段不同。", "第一段改了。\n\n## 小节\n\n正文。", "“引号”段落。"])),
    st.tuples(st.just("body"), st.integers(0, 5), st.sampled_from(["第一段。", "首段换了一句。", "[上一篇](a0.md)"]),
              st.sampled_from(["第二段。", "第二段改了。", "## 小节\n\n第二段。"])),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("rename"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("template"), st.sampled_from(list(MARKERS)), st.text("abc改", min_size=1, max_size=3)),
    st.tuples(st.just("css"), st.text("ab", min_size=1, max_size=3)),
    st.tuples(st.just("image"), st.integers(0, 1), st.integers(300, 700)),
    st.tuples(st.just("promo"), st.sampled_from(["2025-01-01", "2025-12-01"])),
    st.tuples(st.just("layout set"), st.sampled_from(["", "（编者按）", "（更正）"])),
    st.tuples(st.just("list template"), st.sampled_from(["author.html", "archive_year.html", "atom.xml"]), st.booleans()),
)  # fmt: skip
edits = st.one_of(single_edits, st.tuples(st.just("both"), single_edits, single_edits))  # two edits, then one build


AGED = [0]


def age(path: Path) -> None:
    """Move a file's time an hour back (a distinct time each call), as if edited long ago.

    Files changed within the last seconds are never trusted by their time alone; ageing the
    non-article files lets the preview's body-edit path run, as it does for a real editor.
    """
    AGED[0] += 1
    then = time.time() - 3600 + AGED[0]
    os.utime(path, (then, then))


def show_more(project: Project) -> None:
    """Make more of each entry visible through neighbours, lists and site-wide collections, so that
    every digest and every tracked read the incremental build keeps has something on a page that
    depends on it: summaries of neighbours, headings of listed articles (more than a card), the
    size of each listed article's tags (a term the list was not handed)."""
    edit(project, "templates/404.html", "{{ item.title }}</a>", "{{ item.title }}</a> {{ item.summary }} {{ item.reading_minutes }} {{ item.headings|length }}")
    edit(project, "templates/article.html", "{{ page.older.title }}", "{{ page.older.title }} {{ page.older.summary }} {{ page.older.headings|length }}")
    edit(project, "templates/partials/card.html", "{{ item.summary }}", '{{ item.summary }} {{ item.tags|map(attribute="count")|join(",") }}')
    # a name the layout may set at its top level ("layout set" edits): blocks reading it cannot be reused
    edit(project, "templates/article.html", "相关阅读", '相关阅读{{ layout_note|default("") }}')


def edit(project: Project, name: str, old: str, new: str) -> None:
    path = project.root / name
    text = path.read_text()
    assert old in text, f"{name} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1))


def age_all(project: Project) -> None:
    for folder in (project.root / "templates", project.root / "content"):
        for path in folder.rglob("*"):
            if path.is_file() and "articles" not in path.parts:
                age(path)


def apply(project: Project, edit: tuple) -> set[str]:  # type: ignore[type-arg]
    """Make one edit; return the paths it touched, as the preview's file watcher reports them."""
    kind = edit[0]
    articles = project.root / "content/articles"
    touched: set[Path] = set()
    if kind == "both":
        return apply(project, edit[1]) | apply(project, edit[2])
    if kind == "layout set":
        path = project.root / "templates/base.html"
        text = re.sub(r"\{% set layout_note = .*? %\}", "", path.read_text())
        path.write_text((f'{{% set layout_note = "{edit[1]}" %}}' if edit[1] else "") + text)
        age(path)
        touched.add(path)
    elif kind == "list template":  # the theme drops or regains a list's template, and with it the list's pages
        path = project.root / "templates" / edit[1]
        if edit[2]:
            shutil.copyfile(REPO / "templates" / edit[1], path)
            age(path)
        else:
            path.unlink(missing_ok=True)
        touched.add(path)
    elif kind == "write":
        write_article(project, *edit[1:])
        touched.add(articles / f"a{edit[1]}.md")
    elif kind == "body" and (articles / f"a{edit[1]}.md").exists():
        path = articles / f"a{edit[1]}.md"
        head, _, _ = path.read_text().partition("\n---\n")
        path.write_text(f"{head}\n---\n\n{edit[2]}\n\n{edit[3]}\n")
        touched.add(path)
    elif kind == "delete":
        (articles / f"a{edit[1]}.md").unlink(missing_ok=True)
        touched.add(articles / f"a{edit[1]}.md")
    elif kind == "rename" and (articles / f"a{edit[1]}.md").exists():
        (articles / f"a{edit[1]}.md").rename(articles / f"a{edit[2]}.md")
        touched |= {articles / f"a{edit[1]}.md", articles / f"a{edit[2]}.md"}
    elif kind == "template":
        path = project.root / "templates" / edit[1]
        marker = MARKERS[edit[1]]
        path.write_text(path.read_text().replace(marker, marker + edit[2], 1))
        age(path)
        touched.add(path)
    elif kind == "css":
        path = project.root / "templates/static/style.css"
        path.write_text(path.read_text() + f".x-{edit[1]} {{ color: red }}\n")  # a rule: a comment would be minified away
        age(path)
        touched.add(path)
    elif kind == "image":
        touched.add(age_and_return(project.image(f"content/media/p{edit[1]}.png", width=edit[2], height=edit[2] // 2)))
    elif kind == "promo":
        touched.add(age_and_return(project.write("content/data/promos.yaml", f"- {{title: 特刊, url: /, start: {edit[1]}}}\n")))
    return {str(p) for p in touched}


def age_and_return(path: Path) -> Path:
    age(path)
    return path


def clean_digest(project: Project, out: Path) -> dict[str, str] | None:
    shutil.rmtree(out, ignore_errors=True)
    try:
        build(Paths(project.root, out), BuildOptions(now=NOW, use_cache=False))
    except BuildFailed:
        return None
    return tree_digest(out)


# Found by Hypothesis: the kept builder's saved graph is replaced by the fresh builder's full save,
# then the kept builder saves a body edit into it.
TWO_BUILDERS_ONE_GRAPH = [("write", 0, TITLES[0], 1, [], False, "第一段。"), ("body", 0, "第一段。", "第二段。"), ("body", 0, "第一段。", "第二段改了。")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(edits, min_size=1, max_size=6))
@example(steps=TWO_BUILDERS_ONE_GRAPH)
def test_incremental_output_equals_a_clean_build_after_any_edits(tmp_path_factory, steps) -> None:  # type: ignore[no-untyped-def]
    with Project(tmp_path_factory.mktemp("inc") / "p") as project:
        check_edits(project, steps)


def check_edits(project: Project, steps) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        write_article(project, n, TITLES[n], n + 1, TAGS[n : n + 2], False, "第一段。")
    show_more(project)
    age_all(project)
    preview = project.builder()  # kept, like the live preview
    preview.build()
    for step in steps:
        touched = apply(project, step)
        expected = clean_digest(project, project.root / "clean")
        for builder in (preview, project.builder()):
            try:
                builder.build(hint=touched if builder is preview else None)  # the preview is told what changed
            except BuildFailed:
                assert expected is None, f"incremental build failed where a clean one passed after {step}"
                continue
            assert expected is not None, f"incremental build passed where a clean one failed after {step}"
            assert tree_digest(project.site) == expected, f"after {step}"


def kept_builder(project: Project, articles: int) -> Builder:
    """A builder kept between builds, as the live preview keeps one, after its first build of
    ``articles`` articles written long ago."""
    for n in range(articles):
        write_article(project, n, TITLES[n], n + 1, TAGS[n : n + 2], False, "第一段。")
    age_all(project)
    preview = project.builder()
    preview.build()
    return preview


def test_a_body_edit_in_a_kept_builder_reuses_the_graph_and_matches_a_clean_build(project: Project) -> None:
    preview = kept_builder(project, 4)
    for body in ("第一段。\n\n第二段加上了。", "换了第一段。", "换了第一段。\n\n## 新小节"):
        path = project.root / "content/articles/a1.md"
        head, _, _ = path.read_text().partition("\n---\n")
        path.write_text(f"{head}\n---\n\n{body}\n")
        result = preview.build()
        assert result.path == "bodies"
        assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_a_list_template_removed_or_added_takes_or_gives_its_pages_in_every_kind_of_build(project: Project) -> None:
    """Which list templates the theme has shapes the routes: neither the kept graph nor the saved one may stand."""
    preview = kept_builder(project, 3)
    author = project.root / "templates/author.html"
    for present in (False, True):
        if present:
            shutil.copyfile(REPO / "templates/author.html", author)
            age(author)
        else:
            author.unlink()
        expected = clean_digest(project, project.root / "clean")
        for builder in (preview, project.builder()):
            builder.build(hint={str(author)} if builder is preview else None)
            assert (project.site / "authors/lin-qiao/index.html").is_file() == present
            assert tree_digest(project.site) == expected


def test_a_second_build_writes_nothing(project: Project) -> None:
    project.article("a", front="tags: [小米]")
    project.article("b", front="tags: [小米]")
    project.build()
    again = project.build()
    assert again.written == [] and again.deleted == [] and again.compiled == 0


def test_a_new_process_that_looks_at_everything_again_redraws_nothing(project: Project) -> None:
    """Signatures are the same in every process: a set's order (hash seeds differ between
    processes) once made each command-line build after an untrusted stamp redraw every page."""
    project.article("a", front="tags: [小米, 京东]\nauthors: [林桥]")
    printed = []
    for seed in ("1", "2"):
        os.utime(project.root / "content/site.yaml")  # just now: too recent to trust, so the next build looks at everything
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, str(REPO / "build.py"), "--root", str(project.root), "build"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout)
    assert " 0 pages drawn, 0 files written" in printed[1], printed[1]


def test_one_article_edited_redraws_only_what_shows_it(project: Project) -> None:
    for n, tag in enumerate(["小米", "小米", "京东"]):
        project.article(f"a{n}", title=f"文章{n}", date=f"2025-03-0{n + 1} 10:00", front=f"tags: [{tag}]\ncategory: 深度")
    project.write("content/pages/about.md", "---\ntitle: 关于\nslug: about\n---\n关于我们。\n")
    project.build()
    project.article("a2", title="文章2", date="2025-03-03 10:00", front="tags: [京东]\ncategory: 深度", body="新的第一段。\n")
    result = project.build()
    assert result.compiled == 1
    assert "about/index.html" not in result.written  # a page that does not show the article
    assert "tags/xiao-mi/index.html" not in result.written  # a tag it is not in
    assert {"articles/a2/index.html", "index.html", "tags/jing-dong/index.html", "feed.xml"} <= set(result.written)


def test_a_body_edit_that_keeps_the_card_redraws_no_list(project: Project) -> None:
    """Lists show cards (title, summary, reading time ...): a body edit that keeps them redraws the
    article and the feeds that carry its body, not the home, tag, category or archive pages."""
    for n in range(3):
        write_article(project, n, TITLES[n], n + 1, TAGS[:2], False, "第一段。")
    age_all(project)
    preview = project.builder()
    for turn, build_once in enumerate((preview.build, project.build)):  # the kept preview, then a command-line build (saved graph)
        build_once()
        write_article(project, 1, TITLES[1], 2, TAGS[:2], False, f"第一段。\n\n第二段，第 {turn} 次改。")
        result = build_once()
        assert result.path == "bodies" and result.rendered == 3, result  # the article, the site's feed, its category's feed
        pages = {rel for rel in result.written if not rel.startswith("search-index/")}
        assert pages == {"articles/a1/index.html", "feed.xml", "categories/shen-du/feed.xml"}
        index = {rel.split("/")[1] if rel.startswith("search-index/p/") else rel for rel in set(result.written) - pages}
        assert len(index) == 3 and {"search-index/f/1.json", "search-index/index.json"} < index  # the article's part, its fragment, the list of parts
        assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_a_list_that_shows_more_than_cards_is_redrawn_on_a_body_edit(project: Project) -> None:
    """Whatever a template reads of a listed entry beyond its card is noted: headings in the home
    page's list, the older article's headings on the newer one's page."""
    edit(project, "templates/partials/card.html", "{{ item.summary }}", "{{ item.summary }} （{{ item.headings|length }} 节）")
    edit(project, "templates/article.html", "{{ page.older.title }}", "{{ page.older.title }} （{{ page.older.headings|length }} 节）")
    for n in range(2):
        write_article(project, n, TITLES[n], n + 1, [], False, "第一段。")
        age(project.root / f"content/articles/a{n}.md")  # else a1 counts as just edited, and is redrawn anyway
    age_all(project)
    project.build()
    write_article(project, 0, TITLES[0], 1, [], False, "第一段。\n\n## 小节\n\n正文。")
    assert project.build().path == "bodies"
    assert "（1 节）" in project.read("index.html") and "（1 节）" in project.read("articles/a1/index.html")
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_a_deleted_article_disappears_everywhere(project: Project) -> None:
    project.article("a", title="要删的文章", front="tags: [小米]")
    project.article("b", title="留下的文章")
    project.build()
    (project.root / "content/articles/a.md").unlink()
    result = project.build()
    assert "articles/a/index.html" in result.deleted and "tags/xiao-mi/index.html" in result.deleted
    assert not (project.site / "articles/a").exists()
    assert "要删的文章" not in project.read("index.html")


def test_a_corrupt_cache_is_discarded_without_a_crash(project: Project) -> None:
    project.article("a")
    project.build()
    for f in (project.root / ".cache").glob("*.pickle"):
        f.write_bytes(b"not a pickle")
    project.build()
    assert (project.site / "articles/a/index.html").is_file()


def _drop_some_bodies(store: Path) -> None:
    db = sqlite3.connect(store)
    db.execute("DELETE FROM bodies WHERE rowid IN (SELECT rowid FROM bodies ORDER BY key LIMIT 2)")
    db.commit()
    db.close()


def _replace_store(store: Path) -> None:
    for suffix in ("-wal", "-shm"):
        store.with_name(store.name + suffix).unlink(missing_ok=True)
    store.write_bytes(b"not a database " * 64)


DAMAGE = {
    "store deleted": lambda store: [store.with_name(store.name + s).unlink(missing_ok=True) for s in ("", "-wal", "-shm")],
    "store not a database": _replace_store,
    "bodies missing from it": _drop_some_bodies,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("title", [TITLES[1], "新标题"])  # a body edit (the saved graph would do), a front matter edit
def test_a_damaged_body_store_is_rebuilt_not_reported(project: Project, damage: str, title: str) -> None:
    """The index of compiled sources points into the body store: when the store is gone, is not a
    database, or lacks some bodies, the next build that has work converts those sources again
    (also when a body edit would take the saved graph), and the output is a clean build's."""
    for n in range(4):
        write_article(project, n, TITLES[n], n + 1, TAGS[n : n + 2], False, "第一段。")
    age_all(project)
    for n in range(4):
        age(project.root / f"content/articles/a{n}.md")
    project.build()
    DAMAGE[damage](project.root / ".cache/bodies.sqlite")
    assert project.build().path == "up to date"  # (nothing to draw: nothing read from the store)
    write_article(project, 1, title, 2, TAGS[1:3], False, "第一段改了。")
    assert project.build().compiled >= (2 if damage == "bodies missing from it" else 4)  # (the edited one may be among the lost)
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


@pytest.mark.parametrize("then", ["output deleted", "title edited"])
def test_unreadable_index_shards_with_a_saved_graph_still_give_the_whole_site(project: Project, then: str) -> None:
    """The saved graph lets a build look only at the sources changed since; when the graph then
    will not do (the output was deleted, a title changed), every source is looked at again, so
    an index shard the cache could not read leaves nothing out."""
    for n in range(4):
        write_article(project, n, TITLES[n], n + 1, TAGS[n : n + 2], False, f"第一段。[下一篇](a{(n + 1) % 4}.md)")
    age_all(project)
    for n in range(4):
        age(project.root / f"content/articles/a{n}.md")
    project.build()
    for shard in (project.root / ".cache").glob("index-*.pickle"):
        shard.write_bytes(b"not a pickle")
    if then == "output deleted":
        shutil.rmtree(project.site)
        write_article(project, 1, TITLES[1], 2, TAGS[1:3], False, "第一段改了。[下一篇](a2.md)")
    else:
        write_article(project, 1, "新标题", 2, TAGS[1:3], False, "第一段。[下一篇](a2.md)")
    project.build()
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_an_article_without_a_body_is_published_empty(project: Project) -> None:
    project.write("content/articles/empty.md", "---\ntitle: 只有标题\ndate: 2025-03-01 10:00\n---\n")
    project.build()
    assert "只有标题" in project.read("articles/empty/index.html") and "只有标题" in project.read("index.html")


def test_a_category_change_alone_changes_related_articles(project: Project) -> None:
    """Related articles are remembered between builds; a category edit must still be seen."""
    project.write("content/site.yaml", "title: 测试刊物\nbase_url: https://example.org/\nrelated_count: 1\n")
    project.article("a0", title="甲", date="2025-03-05 10:00", front="tags: [零售]\ncategory: 深度")
    project.article("a1", title="乙", date="2025-03-04 10:00", front="tags: [零售]\ncategory: 观察")
    project.article("a2", title="丙", date="2025-03-01 10:00", front="tags: [零售]\ncategory: 深度")
    project.build()
    assert "丙</a>" in project.read("articles/a0/index.html").split("相关阅读")[1]
    project.article("a2", title="丙", date="2025-03-01 10:00", front="tags: [零售]\ncategory: 观察")
    project.build()
    assert "乙</a>" in project.read("articles/a0/index.html").split("相关阅读")[1]
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


@pytest.mark.parametrize("chunk", [graphstore.ENTRY_CHUNK, 1])
def test_a_command_line_build_after_body_edits_takes_the_saved_graph(project: Project, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Each build here is a new Builder, as each `build.py build` is a new process: after edits of
    bodies alone it reads the saved graph (as earlier body edits left it) instead of
    linking the site again, and the output still equals a clean build's. With one entry to a row,
    the entries a build never touches stay unread, and edits rewrite rows among unread ones."""
    monkeypatch.setattr(graphstore, "ENTRY_CHUNK", chunk)
    for n in range(5):
        write_article(project, n, TITLES[n], n + 1, TAGS[n : n + 2], False, "第一段。")
    show_more(project)
    age_all(project)
    for path in (project.root / "content/articles").glob("*.md"):
        age(path)  # as if written long ago: only the file edited next differs from the saved graph
    assert project.builder().build().path == "full"
    bodies = ["第一段。\n\n第二段加上了。", "换了第一段。", "换了第一段。\n\n## 新小节", "“引号”换了。\n\n[上一篇](a0.md)"]
    for step, body in enumerate(bodies):
        edit_body(project, f"a{step % 3 + 1}", body)
        result = project.builder().build()
        assert result.path == "bodies" and result.compiled == 1, f"step {step}"
        assert tree_digest(project.site) == clean_digest(project, project.root / "clean"), f"step {step}"
    # A front-matter edit goes the full way, and the graph it saves serves the next body edit.
    write_article(project, 2, "新标题", 3, TAGS[:1], False, "第一段。")
    assert project.builder().build().path == "full"
    edit_body(project, "a4", "又改了正文。")
    assert project.builder().build().path == "bodies"
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def built_long_ago(project: Project) -> None:
    """Three articles and the theme, all with old file times, built once."""
    for n in range(3):
        write_article(project, n, TITLES[n], n + 1, TAGS[n : n + 2], False, "第一段。")
    age_all(project)
    for path in (project.root / "content/articles").glob("*.md"):
        age(path)
    project.build()


def edit_body(project: Project, name: str, body: str) -> None:
    """Replace an article's body, keep its front matter, and give the file an old time of its own."""
    path = project.root / f"content/articles/{name}.md"
    head, _, _ = path.read_text().partition("\n---\n")
    path.write_text(f"{head}\n---\n\n{body}\n")
    age(path)


def test_a_saved_graph_reads_each_entry_and_route_when_first_used(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphstore, "ENTRY_CHUNK", 1)
    built_long_ago(project)
    cache = Cache(project.root / ".cache", project.site)
    config = load_config(Paths(project.root, project.site), ErrorList(project.root))
    saved = graphstore.load(cache, config, repr(config))
    assert saved is not None
    articles, routes = saved.last.site.articles, saved.last.routes
    assert not any(type(e) is Entry for e in articles)  # shells, holding only their digests
    assert all(e.card and e.view for e in articles) and not any(type(e) is Entry for e in articles)  # digests need no read
    assert articles[1].title == TITLES[1]
    assert [type(e) is Entry for e in articles] == [False, True, False]
    assert articles[1].older is articles[2] and type(articles[2]) is not Entry  # a reference is not a read
    home = routes[0]
    assert home.path == "/" and {e.doc.title for e in home.context["pager"].items} == set(TITLES[:3])
    assert all(type(e) is Entry for e in articles)
    assert sum(found is not None for found in routes._routes) == 1  # type: ignore[attr-defined]
    saved.graph.close()
    cache.close()


def test_an_edited_row_keeps_its_references_to_entries_not_read(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphstore, "ENTRY_CHUNK", 1)
    built_long_ago(project)
    config = load_config(Paths(project.root, project.site), ErrorList(project.root))
    cache = Cache(project.root / ".cache", project.site)
    saved = graphstore.load(cache, config, repr(config))
    assert saved is not None
    articles = saved.last.site.articles
    articles[1].summary = "改过的摘要"
    assert type(articles[0]) is not Entry and type(articles[2]) is not Entry  # its neighbours: never read
    assert graphstore.save_edits(cache, saved, [articles[1]], {})
    cache.save(outputs_too=True)
    cache_again = Cache(project.root / ".cache", project.site)
    again = graphstore.load(cache_again, config, repr(config))
    assert again is not None
    articles = again.last.site.articles
    assert articles[1].summary == "改过的摘要" and articles[1].older is articles[2] and articles[1].newer is articles[0]
    assert articles[2].title == TITLES[0]
    for graph, opened in ((saved.graph, cache), (again.graph, cache_again)):
        graph.close()
        opened.close()


def test_a_render_worker_that_fails_leaves_no_half_written_files(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages drawn in worker processes are staged beside the output until the commit; a worker
    that fails before reporting them must not leave them behind."""
    built_long_ago(project)
    before = tree_digest(project.site)
    base = project.root / "templates/base.html"
    base.write_text(base.read_text().replace("订阅 RSS", "订阅 RSS！"))
    monkeypatch.setattr(draw, "PARALLEL_RENDER_FROM", 1)
    drawn = draw._draw

    def failing(job, item):  # type: ignore[no-untyped-def]
        if item.route.file == "404.html":  # near the end: the worker has stored most pages by now
            raise RuntimeError("a worker failed")
        return drawn(job, item)

    monkeypatch.setattr(draw, "_draw", failing)
    with pytest.raises(RuntimeError):
        project.builder(jobs=2).build()
    assert not (project.root / ".site.staging").exists() and not list(project.root.glob(".site.*"))
    assert tree_digest(project.site) == before


def test_pages_planned_in_workers_and_committed_by_two_processes_match_a_clean_build(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """At scale, render workers decide which routes to draw, and two processes write the commit:
    the same bytes as one process, and a second build finds nothing to draw or write."""
    built_long_ago(project)
    monkeypatch.setattr(draw, "PARALLEL_RENDER_FROM", 1)
    monkeypatch.setattr(output, "COMMIT_FORK_FROM", 1)
    base = project.root / "templates/base.html"
    base.write_text(base.read_text().replace("订阅 RSS", "订阅 RSS！"))
    edit_body(project, "a1", "正文改了。")
    builder = project.builder(jobs=2)
    result = builder.build()
    assert result.path == "theme" and len(result.written) > 10
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")
    again = builder.build(stamps=input_stamps(Paths(project.root, project.site), builder.cache.engine, BuildOptions(now=NOW, jobs=2)))
    assert (again.rendered, again.written) == (0, [])


@pytest.mark.skipif(not processes.may_fork(), reason="without fork (TIDE_START_METHOD=spawn) the commit is written by one process: no second one to fail")
def test_a_commit_process_that_fails_fails_the_build_and_the_next_build_heals(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    built_long_ago(project)
    before = tree_digest(project.site)
    monkeypatch.setattr(output, "COMMIT_FORK_FROM", 1)
    base = project.root / "templates/base.html"
    original = base.read_text()
    base.write_text(original.replace("订阅 RSS", "订阅 RSS！"))
    parent, real = os.getpid(), output._write_over

    def dies_in_the_child(path: str, data: bytes) -> None:
        if os.getpid() != parent:
            raise OSError("the disk is full")
        real(path, data)

    monkeypatch.setattr(output, "_write_over", dies_in_the_child)
    with pytest.raises(OSError, match="a process writing the output failed"):
        project.build()
    monkeypatch.setattr(output, "_write_over", real)
    base.write_text(original)
    project.build()
    assert tree_digest(project.site) == before


def test_a_theme_file_added_at_a_page_url_is_reported_by_a_theme_build(project: Project) -> None:
    """A theme build looks at the saved graph's output files, not its routes, unless one collides."""
    project.write("content/pages/static.md", "---\ntitle: 静态\nslug: static\n---\n正文\n")
    age_all(project)
    project.builder(fingerprint=False).build()
    age(project.write("templates/static/other.css", "a { color: red }\n"))
    assert project.builder(fingerprint=False).build().path == "theme"
    age(project.write("templates/static/index.html", "<!doctype html><title>x</title>\n"))
    with pytest.raises(BuildFailed) as failed:
        project.builder(fingerprint=False).build()
    assert [str(e) for e in failed.value.errors] == [
        "content/pages/static.md:3: URL /static/ is also used by templates/static/index.html; give one of them another slug",
        "templates/static/index.html: URL /static/ is also used by content/pages/static.md; give one of them another slug",
    ]


def test_a_saved_graph_that_does_not_match_the_records_is_not_used(project: Project) -> None:
    built_long_ago(project)
    [graph] = (project.root / ".cache").glob("graph-*.sqlite")
    graph.write_bytes(graph.read_bytes()[:100])  # cut short, as by a crash
    edit_body(project, "a1", "正文改了。")
    assert project.builder().build().path == "full"
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_an_output_folder_deleted_by_hand_is_made_again_in_full(project: Project) -> None:
    built_long_ago(project)
    shutil.rmtree(project.site)
    edit_body(project, "a1", "正文改了。")
    assert project.builder().build().path == "full"
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def retime_everything(project: Project) -> None:
    """Every input gets a new time and keeps its bytes, as in a fresh clone (times old enough to trust)."""
    then = time.time() - 600
    for folder in (project.root / "templates", project.root / "content"):
        for path in folder.rglob("*"):
            if path.is_file():
                os.utime(path, (then, then))


def test_a_fresh_clone_with_the_cache_and_the_output_restored_draws_nothing(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduled publishing run restores .cache/ and site/ into a fresh clone, where every file
    has a new time: the bytes are the saved graph's, so nothing is converted, drawn or written
    (at 10,000 articles: more sources with new times than a saved graph takes as edits)."""
    monkeypatch.setattr(retimed, "SAVED_GRAPH_MAX_CHANGES", 1)
    project.image("content/media/p.png")
    built_long_ago(project)
    before = tree_digest(project.site)
    retime_everything(project)
    result = project.builder().build()
    assert (result.path, result.compiled, result.rendered, result.written) == ("bodies", 0, 0, [])
    assert tree_digest(project.site) == before
    assert project.builder().build().path == "up to date"  # and the new times are trusted from now on


def test_a_fresh_clone_with_one_article_changed_converts_only_that_one(project: Project) -> None:
    built_long_ago(project)
    retime_everything(project)
    write_article(project, 1, TITLES[1], 2, TAGS[1:3], False, "第一段改了。")
    age(project.root / "content/articles/a1.md")
    result = project.builder().build()
    assert result.path == "bodies" and result.compiled == 1
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_a_fresh_clone_whose_data_changed_takes_the_full_way(project: Project) -> None:
    built_long_ago(project)
    retime_everything(project)
    site_yaml = project.root / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("测试刊物", "测试期刊"), encoding="utf-8")  # same size, other bytes
    age(site_yaml)
    assert project.builder().build().path == "full"
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")


def test_an_article_edited_then_reverted_under_a_new_time_is_seen(project: Project) -> None:
    """The graph's digests follow body edits: bytes that were the graph's two edits ago are a change now."""
    built_long_ago(project)
    original = (project.root / "content/articles/a1.md").read_bytes()
    write_article(project, 1, TITLES[1], 2, TAGS[1:3], False, "第一段改了。")
    age(project.root / "content/articles/a1.md")
    assert project.builder().build().path == "bodies"
    (project.root / "content/articles/a1.md").write_bytes(original)
    age(project.root / "content/articles/a1.md")
    project.builder().build()
    assert tree_digest(project.site) == clean_digest(project, project.root / "clean")
