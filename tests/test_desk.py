"""The editor's desk: ``build.py check`` (each rule on what must and must not trigger it, with its
file and line), its JSON against the schema kept in the repo, ``--fix``, severities, exit codes,
the saved findings, and the report every build writes."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, Project, copy_sample, tree_digest

from tide.desk.prose import mask, prose_lines
from tide.desk.punctuation import fixed, marks

SCHEMA = json.loads((REPO / "tide" / "desk" / "check.schema.json").read_text(encoding="utf-8"))
CREDIT = ("图源",)
NOW = "2025-06-01 12:00"


def fix_line(line: str) -> str:
    return fixed(line, marks(mask(line), CREDIT))


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("小米和京东,在一起", "小米和京东，在一起"),
        ("为什么是京东?", "为什么是京东？"),
        ("京东;小米:雷军!", "京东；小米：雷军！"),
        ("京东(JD)上市", "京东（JD）上市"),  # both parentheses, though ')' touches D and 上
        ("说明(注:见下)", "说明（注：见下）"),
        ("**京东**,小米", "**京东**，小米"),  # past emphasis
        ("京东, 小米", "京东，小米"),  # the space goes with the mark
        ("小米 ,京东", "小米，京东"),
        ("SU7,京东", "SU7，京东"),  # Chinese on one side is enough
        ("京东!!", "京东！！"),
        ("hello，world", "hello,world"),  # full-width between Latin words
        ("Apple； Google", "Apple; Google"),
        ("代码。。然后", "代码。然后"),  # doubled
        ("京东，，小米", "京东，小米"),
        ("京东。。。然后", "京东……然后"),
        ("见 https://x.com,这样", "见 https://x.com，这样"),  # an address ends where the Chinese starts
    ],
)
def test_punctuation_that_must_be_fixed(line: str, want: str) -> None:
    assert fix_line(line) == want


@pytest.mark.parametrize(
    "line",
    [
        "卖了2,000台",  # a number
        "10:30开会",
        "Apple, Google and Meta: fine.",  # Latin text
        "见 [链接](https://a.com/x,y) 和",  # a link target
        "用 `a,b` 写",  # code
        '<a title="甲,乙">标签</a>',  # a tag's attribute
        "见 http://x.com/a,b 和",  # an address
        '![图](a.png "图源:京东")',  # the content format's credit
        "见图![x](y.png)",  # an image, not an exclamation
        "京东 (JD) 和",  # spaced: touching no Chinese character
        "京东（JD）、小米。",  # right already
        "……——",  # an ellipsis and a dash are not doubled punctuation
    ],
)
def test_punctuation_left_alone(line: str) -> None:
    assert marks(mask(line), CREDIT) == []


def test_code_blocks_and_comments_are_not_prose() -> None:
    lines = ["正文,一", "```python", "x = 1,2  # 京东,小米", "```", "<!-- 注释,", "京东,内 -->后,面", "~~~", "京东,", "~~~", "尾,巴"]
    seen = {i: m for i, m in prose_lines(lines)}
    assert sorted(seen) == [0, 4, 5, 9]
    assert [len(marks(seen[i])) for i in sorted(seen)] == [1, 0, 1, 1]  # 后,面 is after the comment


def test_every_rule_with_its_file_and_line(project: Project) -> None:
    project.image("content/media/chart.png")
    project.write("content/site.yaml", project.root.joinpath("content/site.yaml").read_text(encoding="utf-8") + "summary_length: 40\n")
    project.write("content/data/promos.yaml", "- {title: 旧活动, end: 2025-05-01}\n- {title: 新活动, start: 2025-07-01, end: 2025-08-01}\n")
    a = project.article(
        "a",
        front="category: 深度\nsummary: 一句话\ncover: ../media/chart.png\n",
        title="京东,在路上",
        body="""
        首段。

        ![没有来源的图](../media/chart.png)

        ![有来源的图](../media/chart.png "图源:京东")

        行内的图 ![小](../media/chart.png) 不是插图。

        ## 第一节

        #### 跳了一级

        # 正文里的一级标题

        链接到 [b](b.md) 和 [不存在](missing.md)。

        [没有的一节](b.md#没有这一节)
        """,
    )
    project.article("b", title="同一个标题", body="短的首段。\n\n[回到 a](a.md)\n")
    project.article("c", title="同一个标题", date="2025-05-02 08:00", body="这一段很长很长" * 12 + "，一直没有结束的地方\n")
    project.article("d", title="明天的文章", date="2025-06-03 08:00", body="还没到时间。\n")
    done = project.cli("check", "--now", NOW)
    assert done.returncode == 1, done.stdout + done.stderr  # the broken link is an error
    lines = done.stdout.splitlines()
    got = {(line.split(": ")[0], line.split(": ")[1]) for line in lines[:-1]}
    assert got == {
        ("content/articles/a.md:2", "cjk-punctuation"),  # the title
        ("content/articles/a.md:6", "figure-credit"),  # the cover
        ("content/articles/a.md:11", "figure-credit"),  # only the image alone in its paragraph
        ("content/articles/a.md:19", "heading-skip"),
        ("content/articles/a.md:21", "heading-skip"),
        ("content/articles/a.md:23", "link"),
        ("content/articles/a.md:25", "link"),  # an anchor the target does not have
        ("content/articles/b.md:2", "duplicate-title"),
        ("content/articles/c.md:2", "duplicate-title"),
        ("content/articles/c.md:2", "summary-missing"),
        ("content/articles/c.md:2", "orphan"),  # a and b link to each other; d is not published
        ("content/articles/d.md:3", "scheduled"),
        ("content/data/promos.yaml:1", "scheduled"),
        ("content/data/promos.yaml:2", "scheduled"),
    }, done.stdout
    assert "京东,在路上' → ': 京东，在路上'" in done.stdout
    assert "promo '旧活动' ended 2025-05-01" in done.stdout and "promo '新活动' starts 2025-07-01" in done.stdout
    assert "goes live 2025-06-03 08:00" in done.stdout
    assert "has no heading with id '没有这一节'" in done.stdout
    assert lines[-1] == "14 finding(s): 2 error(s), 8 warning(s), 4 info"
    assert not project.site.exists()  # check writes no site
    assert a.read_text(encoding="utf-8").count("京东,在路上") == 1  # and changes no file


def test_json_matches_the_schema_and_the_text(project: Project) -> None:
    project.article("a", title="京东,小米", body="## 一\n\n#### 二\n\n[x](nowhere.md)\n")
    text = project.cli("check", "--now", NOW)
    done = project.cli("check", "--now", NOW, "--format", "json")
    assert done.returncode == text.returncode == 1
    report = json.loads(done.stdout)
    jsonschema.validate(report, SCHEMA)
    as_text = [f"{f['path']}:{f['line']}: {f['rule']}: {f['message']}" for f in report["findings"]]
    assert as_text == text.stdout.splitlines()[:-1]
    assert report["summary"]["error"] == 1 and report["summary"]["rules"]["link"] == 1
    with pytest.raises(jsonschema.ValidationError):  # the schema is not one that takes anything
        jsonschema.validate({**report, "findings": [{**report["findings"][0], "severity": "fatal"}]}, SCHEMA)


def test_severities_and_exit_codes(project: Project) -> None:
    project.article("a", title="京东,小米", body="正文。\n")
    assert project.cli("check", "--now", NOW).returncode == 0  # warnings only
    assert project.cli("check", "--now", NOW, "--strict").returncode == 1
    site_yaml = project.root / "content" / "site.yaml"
    base = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(base + "checks:\n  cjk-punctuation: error\n  orphan: off\n", encoding="utf-8")
    done = project.cli("check", "--now", NOW, "--format", "json")
    assert done.returncode == 1
    findings = json.loads(done.stdout)["findings"]
    assert {(f["rule"], f["severity"]) for f in findings} == {("cjk-punctuation", "error")}
    site_yaml.write_text(base + "checks:\n  cjk-punctuation: off\n  orphan: off\n", encoding="utf-8")
    done = project.cli("check", "--now", NOW, "--strict")
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "0 finding(s): 0 error(s), 0 warning(s), 0 info")
    site_yaml.write_text(base + "checks:\n  orphan: off\n  cjk-punctuations: error\n  image-weight: loud\n", encoding="utf-8")
    done = project.cli("check", "--now", NOW)
    assert done.returncode == 1
    assert "content/site.yaml:8: build: checks: unknown rule 'cjk-punctuations'" in done.stdout
    assert "content/site.yaml:9: build: checks: 'image-weight' must be one of error, warning, info, off, not 'loud'" in done.stdout
    done = project.cli("check", "--fix", "heading-skip")
    assert done.returncode == 2 and "'heading-skip' has no fix" in done.stderr


def test_image_weight(project: Project) -> None:
    project.image("content/media/big.png", 1600, 1200)
    project.write("content/site.yaml", project.root.joinpath("content/site.yaml").read_text(encoding="utf-8") + "checks: {image_budget_kb: 1, orphan: off}\n")
    project.article("a", body='正文。\n\n![图](../media/big.png "图源:观潮")\n')
    done = project.cli("check", "--now", NOW)
    assert done.returncode == 0
    (finding,) = done.stdout.splitlines()[:-1]
    assert finding.startswith("content/articles/a.md:8: image-weight: content/media/big.png: its largest published file (media/big")
    assert finding.endswith("over the 1 KB budget")
    site_yaml = project.root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("image_budget_kb: 1", "image_source_mb: 0.001"), encoding="utf-8")
    (finding,) = project.cli("check", "--now", NOW).stdout.splitlines()[:-1]
    assert finding.startswith("content/articles/a.md:8: image-weight: content/media/big.png is 0.0") and "over 0.001 MB as a source" in finding
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("image_source_mb: 0.001", "image-weight: off"), encoding="utf-8")
    assert project.cli("check", "--now", NOW).stdout.splitlines() == ["0 finding(s): 0 error(s), 0 warning(s), 0 info"]


def test_fix_changes_exactly_the_reported_marks(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")
    article = root / "content" / "articles" / "2025" / "xiaomi-su7.md"
    original = article.read_bytes()
    lines = original.decode("utf-8").split("\n")
    body_at = next(i for i, line in enumerate(lines) if line.count("，") >= 2 and not line.startswith(("#", "!", "|", ">")) and i > 15)
    spoiled = list(lines)
    spoiled[1] = spoiled[1].replace("title: ", "title: ", 1) + ",再看"  # the title line
    spoiled[body_at] = spoiled[body_at].replace("，", ",", 2)
    article.write_bytes("\n".join(spoiled).encode("utf-8"))
    before = tree_digest(root / "content")
    done = subprocess_check(root, "--fix", "cjk-punctuation")
    assert done.returncode == 0, done.stderr
    changes = done.stdout.splitlines()[:-1]
    assert [c.split(": ")[0] for c in changes] == ["content/articles/2025/xiaomi-su7.md:2"] + [f"content/articles/2025/xiaomi-su7.md:{body_at + 1}"] * 2
    assert done.stdout.splitlines()[-1] == "fixed 3 mark(s) in 1 file(s)"
    want = list(lines)
    want[1] += "，再看"
    assert article.read_bytes() == "\n".join(want).encode("utf-8")  # every other byte as it was
    after = tree_digest(root / "content")
    assert {k for k in before if before[k] != after[k]} == {"articles/2025/xiaomi-su7.md"}
    again = subprocess_check(root)
    assert "cjk-punctuation" not in again.stdout


def subprocess_check(root: Path, *args: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    command = [sys.executable, str(REPO / "build.py"), "--root", str(root), "check", "--now", NOW, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def settle(root: Path, age: float = 3600) -> None:
    """Every input written long enough ago for its time to be trusted (a file written this very
    moment might change again within the clock's grain: the stamp leaves such a tree unstamped)."""
    then = time.time() - age
    for path in [*(root / "content").rglob("*"), *(root / "templates").rglob("*")]:
        os.utime(path, (then, then))


def test_a_second_check_reuses_the_findings_until_something_changes(project: Project) -> None:
    project.article("a", title="京东,小米", body="正文。\n")
    settle(project.root)
    first = project.cli("check", "--now", NOW)
    saved = project.root / ".cache" / "check.json"
    record = json.loads(saved.read_text(encoding="utf-8"))
    planted = ["content/articles/a.md", 1, "orphan", "info", "planted"]
    saved.write_text(json.dumps({**record, "findings": record["findings"] + [planted]}), encoding="utf-8")
    assert "planted" in project.cli("check", "--now", NOW).stdout  # nothing changed: not checked again
    project.article("later", title="以后", date="2025-06-05 08:00")
    settle(project.root, 1800)
    assert "planted" not in project.cli("check", "--now", NOW).stdout  # an article added: checked again
    saved.write_text(json.dumps({**json.loads(saved.read_text(encoding="utf-8")), "findings": [planted]}), encoding="utf-8")
    assert "planted" in project.cli("check", "--now", "2025-06-04 12:00").stdout
    assert "planted" not in project.cli("check", "--now", "2025-06-06 12:00").stdout  # "later" went live since: checked again
    project.article("a", title="京东,小米", body="正文,改了。\n")
    settle(project.root, 600)
    again = project.cli("check", "--now", NOW)
    assert "planted" not in again.stdout and again.stdout.count("cjk-punctuation") == first.stdout.count("cjk-punctuation") + 1


def test_every_build_writes_its_report(project: Project) -> None:
    project.article("a", body="正文。\n\n![](../media/none.png)\n")
    failed = project.cli("build", "--now", NOW)
    assert failed.returncode == 1
    report = json.loads((project.root / ".cache" / "report.json").read_text(encoding="utf-8"))
    assert report["outcome"] == "failed" and report["findings"][0]["rule"] == "link" and report["findings"][0]["line"] == 8
    project.article("a", body="正文。\n")
    for n in range(12):
        project.article(f"x{n}", title=f"文章{n}", body="正文。\n")
    elsewhere = project.root / "reports" / "last.json"
    done = project.cli("build", "--now", NOW, "--report", str(elsewhere))
    assert done.returncode == 0, done.stderr
    report = json.loads(elsewhere.read_text(encoding="utf-8"))
    assert report["outcome"] == "built" and set(report["timings"]) >= {"load", "site", "draw", "write"}
    slowest = report["slowest_templates"]
    assert 1 <= len(slowest) <= 10 and {t["template"] for t in slowest} >= {"article.html"}
    assert [t["seconds"] for t in slowest] == sorted((t["seconds"] for t in slowest), reverse=True)
    assert sum(t["pages"] for t in slowest) <= report["pages_drawn"]
    assert not any(p.name == "report.json" for p in project.site.rglob("*"))  # outside the site
    shutil.rmtree(project.root / "reports")


def test_a_check_after_an_edit_reuses_the_findings_of_unchanged_files(project: Project) -> None:
    project.article("a", title="京东,小米", body="正文。\n")
    project.article("b", title="小米,京东", body="正文。\n")
    settle(project.root)
    project.cli("check", "--now", NOW)
    saved = project.root / ".cache" / "check.json"
    record = json.loads(saved.read_text(encoding="utf-8"))
    for rel in ("articles/a.md", "articles/b.md"):
        record["sources"]["each"][rel][1].append([f"content/{rel}", 1, "heading-skip", "warning", f"planted in {rel}"])
    saved.write_text(json.dumps(record), encoding="utf-8")
    project.article("a", title="京东,小米", body="正文,改了。\n")
    settle(project.root, 600)
    out = project.cli("check", "--now", NOW).stdout
    assert "planted in articles/b.md" in out and "planted in articles/a.md" not in out  # b's file is as it was; a's is not
    assert out.count("content/articles/a.md:2: cjk-punctuation") == 1 and "content/articles/a.md:6: cjk-punctuation" in out
    site_yaml = project.root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "checks: {heading-skip: error}\n", encoding="utf-8")
    settle(project.root, 300)
    assert "planted" not in project.cli("check", "--now", NOW).stdout  # other rules: every source checked again
