"""`build.py import`: WeChat articles (copied text, saved pages, folders of them) into content/,
imported and built end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import wechat_fixtures as fx
from audits import axe_violations, run_vnu
from browser import chromium
from conftest import REPO, Project
from static_server import serving

from tide.cjk import slugify
from tide.wechat.blocks import Block, Run, inline, to_markdown
from tide.wechat.rules import Rules, editor_credit, is_caption

SLUG = slugify(fx.TITLE)
LATER = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))  # the fixtures are dated November 2025


def run_import(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(project.root), "import", *args], capture_output=True, text=True, timeout=300)


class _Text(HTMLParser):
    """The text a reader sees in an article's body, one string per paragraph-like element."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.depth = 0
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "li", "h2", "h3", "figcaption", "td", "th"):
            self.depth += 1
            self.current = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li", "h2", "h3", "figcaption", "td", "th") and self.depth:
            self.depth -= 1
            self.blocks.append("".join(self.current))

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.current.append(data)


def page_text(html: str) -> list[str]:
    article = html[html.index("<article") : html.index("</article>")]
    parser = _Text()
    parser.feed(article)
    return parser.blocks


def front(markdown: str) -> str:
    return markdown.split("\n---\n", 1)[0]


# -- the saved page, end to end ---------------------------------------------------------------


@pytest.fixture
def imported_page(tmp_path: Path, project: Project) -> tuple[Project, subprocess.CompletedProcess[str]]:
    page = fx.write_page(tmp_path / "saved")
    done = run_import(project, str(page), "--category", "深度", "--tags", "京东,外卖")
    return project, done


def test_a_saved_page_becomes_a_ready_article(imported_page: tuple[Project, subprocess.CompletedProcess[str]]) -> None:
    project, done = imported_page
    assert done.returncode == 0, done.stdout + done.stderr
    path = project.root / f"content/articles/2025/{SLUG}.md"
    assert f"wrote content/articles/2025/{SLUG}.md" in done.stdout
    text = path.read_text(encoding="utf-8")
    head = front(text)
    assert f"title: {fx.TITLE}" in head and f"date: {fx.DATE}" in head and f"slug: {SLUG}" in head
    assert "editor: 林桥" in head and "reviewer: 周远" in head and f'source: "{fx.SOURCE}"' in head
    assert "category: 深度" in head and "tags: [京东, 外卖]" in head and "authors: [林桥]" in head
    assert re.findall(r"(?m)^## (.+)$", text) == [s[0] for s in fx.SECTIONS]
    assert re.findall(r'!\[\]\((/media/[^ ]+) "([^"]+)"\)', text) == [(f"/media/{SLUG}/{n:02d}.png", c) for n, c in enumerate(fx.CREDITS, 1)]
    for n in range(1, 8):  # the real format from the bytes (the URL said wx_fmt=jpeg), from the saved folder
        assert (project.root / f"content/media/{SLUG}/{n:02d}.png").is_file()
    assert "> " + fx.QUOTE in text and all(f"- {item}" in text for item in fx.LIST)
    assert "| 项目 | 京东外卖 | 行业常见 |" in text and "\n* * *\n" in text
    assert "**" in text  # the bold run inside the first paragraph
    for gone in [*fx.BOILERPLATE, fx.EDITOR_LINE, "ad1", "\u200b"]:
        assert gone not in text.split("---", 2)[2], gone
    for dropped in fx.BOILERPLATE:  # every dropped line is in the report, with its line in the page
        assert re.search(rf"jd-waimai\.html:\d+: dropped \([^)]*\)+: {re.escape(dropped)}", done.stdout), dropped


def test_the_imported_page_builds_with_every_paragraph_intact(imported_page: tuple[Project, subprocess.CompletedProcess[str]]) -> None:
    project, done = imported_page
    assert done.returncode == 0, done.stderr
    project.build(now=LATER)
    html = project.read(f"articles/{SLUG}/index.html")
    seen = page_text(html)
    for para in fx.paragraphs():  # character for character (quotes as written: they are curly already)
        assert para in seen, (para, seen)
    assert fx.CAPTION in seen and fx.QUOTE in seen
    assert html.count("<figure") >= 7 and all(f"<figcaption>{c}</figcaption>" in html for c in fx.CREDITS)
    assert 'srcset="' in html and "image/webp" in html  # through the picture pipeline
    assert "而不是 " not in html and "京东宣布以" in "".join(seen)  # no space where the source broke a line between spans


@pytest.mark.slow
def test_the_imported_page_is_valid_and_accessible(imported_page: tuple[Project, subprocess.CompletedProcess[str]]) -> None:
    project, done = imported_page
    assert done.returncode == 0, done.stderr
    project.build(now=LATER)
    article = project.site / f"articles/{SLUG}"
    errors = run_vnu(article)
    assert errors == [], errors
    with serving(project.site) as url, chromium() as browser:
        for scheme in ("light", "dark"):
            assert axe_violations(browser, f"{url}/articles/{SLUG}/", scheme) == []


def test_importing_the_same_page_again_writes_nothing_unless_asked(imported_page: tuple[Project, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    project, _ = imported_page
    path = project.root / f"content/articles/2025/{SLUG}.md"
    edited = path.read_text(encoding="utf-8").replace("补贴会退潮", "补贴总会退潮").replace(f"date: {fx.DATE}", f'date: "{fx.DATE}"')
    path.write_text(edited.replace(f'source: "{fx.SOURCE}"\n', ""), encoding="utf-8")  # found by its title and (quoted) date now
    again = run_import(project, str(tmp_path / "saved/jd-waimai.html"))
    assert again.returncode == 0 and f"already imported as content/articles/2025/{SLUG}.md" in again.stdout
    assert "补贴总会退潮" in path.read_text(encoding="utf-8")
    assert len(list((project.root / "content/articles").rglob("*.md"))) == 1
    updated = run_import(project, str(tmp_path / "saved/jd-waimai.html"), "--update")
    assert updated.returncode == 0 and f"rewrote content/articles/2025/{SLUG}.md" in updated.stdout
    assert "补贴总会退潮" not in path.read_text(encoding="utf-8")


# -- copied text -----------------------------------------------------------------------------


def test_copied_text_with_pictures_from_a_folder(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "jd.txt"
    source.write_text(fx.as_text(), encoding="utf-8")
    fx.pictures(tmp_path / "pics", fmt="JPEG")
    done = run_import(project, str(source), "--images", str(tmp_path / "pics"), "--slug", "jd-waimai")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (project.root / "content/articles/2025/jd-waimai.md").read_text(encoding="utf-8")
    assert f"date: {fx.DATE}" in text and "editor: 林桥" in text and "reviewer: 周远" in text
    assert re.findall(r"(?m)^## (.+)$", text) == [s[0] for s in fx.SECTIONS]
    assert re.findall(r'"(图源:[^"]+)"\)', text) == fx.CREDITS
    assert "/media/jd-waimai/01.jpg" in text
    project.build(now=LATER)
    seen = page_text(project.read("articles/jd-waimai/index.html"))
    for para in fx.paragraphs():
        assert para in seen
    assert fx.CAPTION in seen
    assert ":3: dropped (the account's byline (author, date)): 原创 林桥" in done.stdout  # with its line in the source


def test_text_without_pictures_lists_each_one_to_supply_and_still_builds(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "jd.txt"
    source.write_text(fx.as_text(), encoding="utf-8")
    done = run_import(project, str(source), "--slug", "jd-waimai")
    assert done.returncode == 0, done.stderr
    wanted = [line for line in done.stdout.splitlines() if "picture to supply" in line]
    assert len(wanted) == 7 and wanted[0].strip().startswith("content/articles/2025/jd-waimai.md:")
    text = (project.root / "content/articles/2025/jd-waimai.md").read_text(encoding="utf-8")
    line = int(wanted[0].split(":")[1])
    assert text.splitlines()[line - 1].startswith("<!-- 待补图片：图 1")
    assert "图源:京东" in text  # the credit stays, as written text, until the picture comes
    project.build(now=LATER)


def test_an_images_folder_with_too_few_pictures_is_refused(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "jd.txt"
    source.write_text(fx.as_text(), encoding="utf-8")
    fx.pictures(tmp_path / "pics", count=5)
    done = run_import(project, str(source), "--images", str(tmp_path / "pics"), "--slug", "jd-waimai")
    assert done.returncode == 1
    assert f"{source}: 7 picture credits, but only 5 pictures in {tmp_path / 'pics'}" in done.stderr
    assert not (project.root / "content/articles/2025").exists() and not (project.root / "content/media").exists()


def test_pictures_are_downloaded_with_wechats_referer_and_a_placeholder_is_not_taken(project: Project, tmp_path: Path) -> None:
    """A real server on 127.0.0.1 stands in for WeChat's: it answers a foreign Referer with a
    'not allowed' page, as mmbiz.qpic.cn does; the seventh picture it does not have."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    drawn = {p.name: p.read_bytes() for p in fx.pictures(tmp_path / "server", fmt="JPEG")}
    referers = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            referers.append(self.headers.get("Referer"))
            name = self.path.split("/")[2] + ".jpeg"
            wechat = self.headers.get("Referer", "").startswith("https://mp.weixin.qq.com/") and name != "6.jpeg"  # (the sixth: refused anyway)
            body = drawn.get(name) if wechat else b"<html>not allowed</html>"
            if body is None or name == "7.jpeg":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")  # (the server's word is not taken: the bytes are JPEG)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = tmp_path / "online.html"  # saved "HTML only": no folder of pictures
        online = fx.as_page("nothing_files").replace("https://mmbiz.qpic.cn/mmbiz_png/tide", f"http://127.0.0.1:{server.server_port}/p/")
        page.write_text(online, encoding="utf-8")
        done = run_import(project, str(page), "--slug", "online")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert referers and all(r == "https://mp.weixin.qq.com/" for r in referers)
    for n in range(1, 6):
        assert (project.root / f"content/media/online/{n:02d}.jpg").read_bytes() == drawn[f"{n}.jpeg"]
    assert "picture to supply: 图 6, content/media/online/06.jpg (the server sent something that is not a picture" in done.stdout
    assert "picture to supply: 图 7, content/media/online/07.jpg" in done.stdout and "answered 404" in done.stdout
    assert not (project.root / "content/media/online/06.jpg").exists()


def test_gb18030_text_is_read_and_said(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "gbk.txt"
    source.write_bytes(fx.as_text().encode("gb18030"))
    done = run_import(project, str(source), "--slug", "jd-gbk", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "read as GB18030" in done.stdout and fx.paragraphs()[0] in done.stdout
    assert not (project.root / "content/articles/2025").exists()  # a dry run writes nothing


# -- a folder --------------------------------------------------------------------------------


def test_a_folder_imports_each_and_a_second_run_imports_nothing(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(5):
        text = fx.as_text().replace(fx.TITLE, f"第{n}篇：{fx.TITLE}").replace("2025年11月10日", f"2025年11月{n + 1:02d}日")
        (folder / f"{n}.txt").write_text(text, encoding="utf-8")
    fx.write_page(folder)
    first = run_import(project, str(folder))
    assert first.returncode == 0, first.stderr
    assert "imported: 6 written (of 6 files)" in first.stdout
    second = run_import(project, str(folder))
    assert second.returncode == 0 and "imported: 6 exists (of 6 files)" in second.stdout
    project.build(now=LATER)


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("deleted.html", fx.DELETED.encode(), "a deleted WeChat article"),
        ("share.html", fx.IMAGE_SHARE.encode(), "without an article body"),
        ("other.html", fx.NOT_WECHAT.encode(), "not a WeChat article page"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\0\0\0", "a binary file"),
        ("latin1.txt", "caf\xe9 \xff\xfe\xfd".encode("latin-1") * 3 + b"\xff", "neither UTF-8 nor GB18030"),
        ("empty.txt", b"\n\n", "the file is empty"),
        ("notes.md", "# 标题\n".encode(), "neither a .txt file"),
    ],
)
def test_bad_input_is_one_clear_message_and_writes_nothing(project: Project, tmp_path: Path, name: str, data: bytes, message: str) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))
    done = run_import(project, str(source), "--date", "2025-11-10 11:20")
    assert done.returncode == 1
    assert f"not imported: {source}" in done.stderr and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == before


def test_a_slug_of_another_article_is_refused(project: Project, tmp_path: Path) -> None:
    project.article("taken", front="slug: jd-waimai")
    source = tmp_path / "jd.txt"
    source.write_text(fx.as_text(), encoding="utf-8")
    done = run_import(project, str(source), "--slug", "jd-waimai")
    assert done.returncode == 1 and "slug 'jd-waimai' is already used by content/articles/taken.md" in done.stderr
    assert not (project.root / "content/articles/2025").exists()


def test_one_file_options_refuse_a_folder(project: Project, tmp_path: Path) -> None:
    (tmp_path / "two").mkdir()
    (tmp_path / "two/a.txt").write_text(fx.as_text(), encoding="utf-8")
    (tmp_path / "two/b.txt").write_text(fx.as_text(), encoding="utf-8")
    done = run_import(project, str(tmp_path / "two"), "--title", "一个标题")
    assert done.returncode == 1 and "--title applies to one file, and 2 were given" in done.stderr


# -- the rules and the Markdown, as units ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("●图源:京东", "图源:京东"),
        ("●图源 :微博@小米公司", "图源:微博@小米公司"),
        ("图源：网络", "图源:网络"),
        (" • 图片来源｜视觉中国 ", "图片来源:视觉中国"),
        ("图源是京东", None),
        ("这张图源:自京东的报告显示增长", None),
    ],
)
def test_credit_lines(line: str, credit: str | None) -> None:
    assert Rules().credit(line) == credit


def test_editor_credits_and_captions() -> None:
    assert editor_credit("*编排 | 张三 审核 | 李四") == {"editor": "张三", "reviewer": "李四"}
    assert editor_credit("编辑｜王五") == {"editor": "王五"} and editor_credit("责编:赵六") == {"editor": "赵六"}
    assert editor_credit("编辑部认为这件事不简单") is None
    assert is_caption("（图/社交媒体截图）") and not is_caption("（这是一句很长的括号里的话，不是图注，因为它没有图字开头）")


def test_boilerplate_is_configurable(project: Project) -> None:
    rules = Rules.from_settings({"boilerplate": ["^本文不构成投资建议$"], "credit_words": ["摄影"]})
    assert rules.is_boilerplate("本文不构成投资建议") and rules.is_boilerplate("长按识别二维码")
    assert rules.credit("摄影：林桥") == "摄影:林桥" and not Rules().is_boilerplate("本文不构成投资建议")


def test_markdown_keeps_every_character_of_the_text() -> None:
    tricky = ["# 不是标题", "1. 不是列表", "> 不是引用", "a*b*c_d_ [链接](x) <b>粗</b> &amp; {: .x} | 管道 \\ 反斜杠 `码`", "- 不是列表", "==="]
    body, _ = to_markdown([Block("p", [Run(t)]) for t in tricky])
    from tide.markup import Converter

    html = Converter().convert(body, "articles", 1).html
    parser = _Text()
    parser.feed(html)
    assert parser.blocks == tricky


def test_bold_and_links_inline() -> None:
    assert inline([Run("京东"), Run("宣布", bold=True), Run("入场")]) == "京东**宣布**入场"
    assert inline([Run("原文", href="https://mp.weixin.qq.com/s/x")]) == "[原文](<https://mp.weixin.qq.com/s/x>)"


def test_an_older_page_shape(tmp_path: Path) -> None:
    """No og:title: the h2 title; a single-quoted create_time; a figcaption; bold by style; an h3."""
    from tide.wechat.page import parse_page

    page = tmp_path / "old.html"
    page.write_text(
        """<html><head><meta charset="utf-8"><script>var msg_title = "&amp;quot;小米&amp;quot;的第一年";
        var create_time = '1700000000';</script></head><body>
        <h2 class="rich_media_title" id="activity-name">
            小米汽车的第一年
        </h2>
        <div id="js_content" style="visibility: hidden">
        <p><span style="font-weight: 700">一、交付</span></p>
        <h3>细节</h3>
        <section><span>第一段</span>
            <span>接着写。SU7</span>
            <span>Ultra 上市。</span></section>
        <figure><img data-src="https://mmbiz.qpic.cn/x/640?wx_fmt=other" data-w="1080"><figcaption>发布会现场</figcaption></figure>
        <p>∽∽∽</p>
        </div></body></html>""",
        encoding="utf-8",
    )
    parsed = parse_page(page.read_bytes(), page, Rules(), ZoneInfo("Asia/Shanghai"))
    assert parsed.title == "小米汽车的第一年" and parsed.date == datetime(2023, 11, 15, 6, 13, 20)
    kinds = [(b.kind, b.text()) for b in parsed.blocks]
    assert kinds[:3] == [("h2", "一、交付"), ("h3", "细节"), ("p", "第一段接着写。SU7 Ultra 上市。")]
    assert parsed.blocks[3].kind == "figure" and parsed.blocks[3].caption == "发布会现场" and parsed.blocks[4].kind == "hr"
