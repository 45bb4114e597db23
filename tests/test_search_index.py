"""The index is exact: the browser's own client (run in node) finds, for any query, precisely
the articles a brute-force substring search of their folded text finds."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import tree_digest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tide.search import client
from tide.search.fold import fold
from tide.search.index import FOLDER, Source, build
from tide.search.terms import LATIN, OTHER, folded_codes
from tide.search.text import searchable

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (.ci/run installs it)")

# Small alphabets, so that near misses (every pair of a query in a text, the query not) are common.
HAN_CHARS = "京东東能源"
LATIN_CHARS = "sS7４"
OTHER_CHARS = " ，"
words = st.text(alphabet=HAN_CHARS + LATIN_CHARS + OTHER_CHARS, min_size=0, max_size=40)
queries_of = st.text(alphabet=HAN_CHARS + LATIN_CHARS + " ", min_size=1, max_size=6)


def class_of(text: str) -> list[int]:
    return folded_codes(text)[1].tolist()


def reference(text: str, query: str) -> bool:
    """Every term of the query is in the text, as Ctrl-F on the folded text finds it (a term
    starting with a letter or digit starts a word)."""
    folded, classes = fold(text), class_of(text)
    terms = [t for t in _split(fold(query)) if t]
    if not terms:
        return False
    for term in terms:
        starts_word = class_of(term)[0] == LATIN
        at, found = folded.find(term), False
        while at >= 0 and not found:
            found = not starts_word or at == 0 or classes[at - 1] != LATIN
            at = folded.find(term, at + 1)
        if not found:
            return False
    return True


def _split(query: str) -> list[str]:
    out, run = [], ""
    for ch, cls in zip(query, class_of(query), strict=True):
        if cls == OTHER:
            out.append(run)
            run = ""
        else:
            run += ch
    return [*out, run]


def run_client(folder: Path, queries: list[str]) -> list[list[int]]:
    done = subprocess.run(
        [NODE, str(Path(__file__).with_name("search_query.js"))],
        input=json.dumps({"folder": str(folder), "queries": queries}),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def write_index(root: Path, bodies: list[tuple[str, str]]) -> list[str]:
    """An index of these (title, body text) articles in ``root``; their searchable texts."""
    sources = [Source(f"/a/{n}/", title, "2025-01-01", "", (), str(n)) for n, (title, _) in enumerate(bodies)]
    html = {str(n): f"<p>{body}</p>" for n, (_, body) in enumerate(bodies)}

    def write(rel: str, data: bytes) -> None:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    build(lambda saved: [str(n) for n in range(len(sources))], sources.__getitem__, html.__getitem__, None, lambda rel: False, client(), write, jobs=1)
    return [searchable(title, [], html[str(n)]).text for n, (title, _) in enumerate(bodies)]


@pytest.mark.parametrize("heavy", [None, 4], ids=["buckets", "common words in files of their own"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(articles=st.lists(st.tuples(words, words), min_size=1, max_size=12), queries=st.lists(queries_of, min_size=1, max_size=12))
def test_the_client_finds_exactly_what_a_substring_search_finds(tmp_path: Path, heavy: int | None, articles, queries) -> None:  # type: ignore[no-untyped-def]
    from tide.search import part

    root = tmp_path / "out"
    shutil.rmtree(root, ignore_errors=True)
    usual = part.HEAVY_BYTES
    part.HEAVY_BYTES = heavy or usual  # (4: nearly every key is "common", and read from its own file)
    try:
        texts = write_index(root, articles)
    finally:
        part.HEAVY_BYTES = usual
    if heavy and any(c in HAN_CHARS + LATIN_CHARS for t in texts for c in t):
        assert any("-" in p.stem for p in root.rglob("*.bin"))  # (every key is over 4 bytes)
    # Queries cut from the texts themselves as well: most random queries find nothing.
    queries = queries + [t[i : i + n] for t in texts[:4] for i, n in ((1, 2), (3, 3), (0, 5)) if t[i : i + n].strip()]
    found = run_client(root / FOLDER, queries)
    for query, ids in zip(queries, found, strict=True):
        expected = {n for n, text in enumerate(texts) if reference(text, query)}
        assert set(ids) == expected, (query, texts)
        assert len(ids) == len(set(ids))


def test_words_a_reader_types(tmp_path: Path) -> None:
    texts = write_index(
        tmp_path,
        [
            ("小米 SU7 Ultra 的定价", "雷军说，SU7 的订单超过预期。"),
            ("京东的 4S店 生意", "汽车后市场：京东养车开了 4S店。"),
            ("消费者为什么被黏住", "会员体系把用户黏住了，复购率上升。"),
            ("新能源车价格战", "比亚迪和特斯拉都在降价，新能源车渗透率过半。"),
        ],
    )
    queries = [
        "京东",
        "京東",
        "小米 SU7",
        "su7",
        "ＳＵ７",
        "ultra",
        "4S店",
        "4s",
        "黏住",
        "新能源车",
        "车",
        "雷軍",
        "能源车 降价",
        "。。",
        "   ",
        "x" * 500,
        "京东 特斯拉",
    ]
    found = dict(zip(queries, run_client(tmp_path / FOLDER, queries), strict=True))
    assert found["京东"] == found["京東"] == [1]
    assert found["小米 SU7"] == [0] and set(found["su7"]) == {0} == set(found["ＳＵ７"]) == set(found["ultra"])
    assert found["4S店"] == [1] == found["4s"]
    assert found["黏住"] == [2] and found["新能源车"] == [3] == found["能源车 降价"]
    assert set(found["车"]) == {1, 3} and found["雷軍"] == [0]
    assert found["。。"] == found["   "] == found["x" * 500] == found["京东 特斯拉"] == []
    assert texts[0].startswith("小米 SU7 Ultra 的定价\n")


def test_the_index_after_edits_equals_one_built_from_scratch(project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Edit, add (older than the rest: every later article's number moves), delete, draft: each
    incremental build's index is byte for byte a clean build's, and untouched parts stay put."""
    from conftest import NOW
    from test_incremental import age_all

    from tide.config import BuildOptions, Paths
    from tide.pipeline import build as clean_build

    monkeypatch.setattr("tide.search.index.PART", 3)
    for n in range(8):
        project.article(
            f"a{n}", title=f"第{n}篇：京东", date=f"2025-02-{n + 10:02d} 10:00", body=f"正文{n}，新能源车第{n}段。\n\n## 小节{n}\n\n小米 SU7 第{n}次。\n"
        )

    def same_as_clean(step: str) -> dict[str, str]:
        project.build()
        fresh = tmp_path / f"clean-{step}"
        clean_build(Paths(project.root, fresh), BuildOptions(now=NOW, use_cache=False))
        built = tree_digest(project.site / FOLDER)
        assert built == tree_digest(fresh / FOLDER), step
        return built

    first = same_as_clean("first")
    project.article("a6", title="第6篇：京东", date="2025-02-16 10:00", body="改过的正文，黏住用户。\n")
    edited = same_as_clean("edit")
    changed = {rel for rel in edited if first.get(rel) != edited[rel]}
    assert changed and all(rel.startswith(("p/", "f/6.json", "index.json")) for rel in changed), changed
    assert {rel.split("/")[1] for rel in changed if rel.startswith("p/")} - {rel.split("/")[1] for rel in first if rel.startswith("p/")}  # a new part folder
    parts = lambda tree: {rel.split("/")[1] for rel in tree if rel.startswith("p/")}  # noqa: E731
    assert len(parts(first)) == 3 and len(parts(first) & parts(edited)) == 2  # articles 0-5 are untouched
    project.article("old", title="更早的一篇", date="2025-01-01 10:00", body="最早的文字。\n")
    same_as_clean("add")
    (project.root / "content/articles/a3.md").unlink()
    same_as_clean("delete")
    project.article("a4", title="第4篇：京东", date="2025-02-14 10:00", front="draft: true", body="草稿。\n")
    final = same_as_clean("draft")
    assert len([r for r in final if r.startswith("f/")]) == 7
    # What an article's file does not hold: an author's name (data/authors.yaml), the timezone.
    project.article("a1", title="第1篇：京东", date="2025-02-11 10:00", front="authors: [wu]", body="正文1。\n")
    project.write("content/data/authors.yaml", "wu:\n  name: 吴起\n")
    same_as_clean("author")
    project.write("content/data/authors.yaml", "wu:\n  name: 吴改名\n")
    renamed = same_as_clean("author renamed")
    assert any("吴改名" in (project.site / FOLDER / rel).read_text(encoding="utf-8") for rel in renamed if rel.startswith("f/"))
    project.write("content/site.yaml", (project.root / "content/site.yaml").read_text(encoding="utf-8") + "timezone: America/New_York\n")
    same_as_clean("timezone")
    # A theme edit changes nothing the index holds: the index is not looked at (its 10,000 digests
    # alone cost 0.3 s); an article edited after it is indexed as ever.
    base = project.root / "templates" / "base.html"
    age_all(project)  # (settings written a moment ago are not trusted by their times: every build would look at everything)
    with project.builder() as builder:
        builder.build()
        base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<p>页脚</p></footer>"), encoding="utf-8")
        with monkeypatch.context() as patched:
            patched.setattr("tide.search.index_site", lambda *a, **k: pytest.fail("a theme edit re-made the index"))
            result = builder.build()
        assert result.path == "theme" and "页脚" in (project.site / "index.html").read_text(encoding="utf-8")
        project.article("a2", title="第2篇：京东", date="2025-02-12 10:00", body="主题改过之后的正文。\n")
        assert builder.build().path == "bodies"
    seven = same_as_clean("after a theme edit")
    # The newest articles sit in parts of falling powers of two: publishing one re-makes a small
    # part (here 3 + 3 + 1 articles, then 3 + 3 + 2, a whole 3 + 3 + 3, then 3 + 3 + 3 + 1: a
    # part of its own), never the whole ones before it.
    counts = lambda: [n for _, n, _ in json.loads((project.site / FOLDER / "index.json").read_text())["parts"]]  # noqa: E731
    assert counts() == [3, 3, 1]
    project.article("new1", title="最新一篇", date="2025-03-01 10:00", body="新发表的文字。\n")
    eight = same_as_clean("published")
    assert counts() == [3, 3, 2] and len(parts(seven) & parts(eight)) == 2
    project.article("new2", title="又一篇", date="2025-03-02 10:00", body="又发表的文字。\n")
    nine = same_as_clean("published again")
    assert counts() == [3, 3, 3] and len(parts(eight) & parts(nine)) == 2
    project.article("new3", title="第三篇新文", date="2025-03-03 10:00", body="第三次发表。\n")
    ten = same_as_clean("published a third time")
    assert counts() == [3, 3, 3, 1] and parts(nine) < parts(ten)


def test_importing_the_index_starts_no_thread() -> None:
    """numpy's OpenBLAS would start a thread pool, and a process with threads never forks its
    workers (tide/processes.py): the build would quietly lose them."""
    import sys

    code = "import tide.search, tide.search.terms; print(open('/proc/self/stat').read().split()[19])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    assert done.stdout.strip() == "1"


def test_drafts_and_future_articles_never_reach_the_published_index(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project.article("out", title="已发表", date="2025-02-01 10:00", body="公开的词组。\n")
    project.article("draft", title="草稿", date="2025-02-02 10:00", front="draft: true", body="草稿的词组。\n")
    project.article("later", title="将来", date="2030-01-01 10:00", body="未来的词组。\n")
    project.build()
    found = run_client(project.site / FOLDER, ["公开", "草稿", "未来", "词组"])
    assert found == [[0], [], [], [0]]
    assert len(list((project.site / FOLDER / "f").glob("*.json"))) == 1


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(words, min_size=1, max_size=8))
def test_the_general_sort_makes_the_same_files_as_the_packed_one(texts: list[str]) -> None:
    """A part whose characters, documents and positions need more than the packed sort's bits takes
    numpy's lexsort instead: the same bytes either way."""
    from tide.search import part

    titles = [min(3, len(t)) for t in texts]
    packed = part.encode_part(texts, titles)
    original = part._dense_chars
    try:
        part._dense_chars = lambda codes: None  # type: ignore[assignment]
        general = part.encode_part(texts, titles)
    finally:
        part._dense_chars = original  # type: ignore[assignment]
    assert packed == general


def test_an_index_without_its_account_leaves_no_stray_files(project) -> None:  # type: ignore[no-untyped-def]
    """The cache cleared (or a new index format): the next build's index deletes what the last
    one wrote and this one does not."""
    project.article("a", title="第一篇", body="京东的正文。\n")
    project.build()
    stray = project.site / FOLDER / "p" / "000000000000" / "0.bin"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"\x00")
    for state in (project.root / ".cache").glob("search-*.json"):
        state.unlink()
    project.article("a", title="第一篇", body="京东的正文，改了。\n")
    project.build()
    assert not stray.exists() and not stray.parent.exists()
    assert tree_digest(project.site / FOLDER)  # (the index itself is there)


def test_a_match_in_the_title_ranks_first_then_more_matches_then_newer(tmp_path: Path) -> None:
    write_index(
        tmp_path,
        [
            ("一篇旧文", "正文里说到京东一次。"),  # 0
            ("另一篇", "京东，京东，京东：正文里说到三次。"),  # 1
            ("京东的账本", "正文里一次也没有。"),  # 2: in the title
            ("最新一篇", "正文里说到京东一次。"),  # 3: as 0, newer
        ],
    )
    assert run_client(tmp_path / FOLDER, ["京东"]) == [[2, 1, 3, 0]]


def test_index_files_deleted_by_hand_are_written_again(project) -> None:  # type: ignore[no-untyped-def]
    """The account says what the last build wrote; the output is asked what it still holds (one
    listing of each folder), and whatever is gone is made again."""
    for n in range(3):
        project.article(f"a{n}", title=f"第{n}篇", date=f"2025-02-{n + 10:02d} 10:00", body=f"京东的正文{n}。\n")
    project.build()
    whole = tree_digest(project.site / FOLDER)
    bucket = next(p for p in sorted((project.site / FOLDER / "p").rglob("*.bin")))
    bucket.unlink()
    (project.site / FOLDER / "f" / "1.json").unlink()
    project.build()
    assert tree_digest(project.site / FOLDER) == whole
