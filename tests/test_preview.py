"""The live preview, for real: a server on a loopback port, headless Chromium, edits on disk."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import REPO, copy_sample, project_lock_held
from playwright.sync_api import Browser, Page

ARTICLE = "content/articles/2025/luckin-ledger.md"
WAIT_MS = 15_000  # generous for a loaded CI machine; we assert what is seen, not how fast


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    root: Path
    url: str
    process: subprocess.Popen[str]

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def start(root: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", str(port), "--now", "2025-06-01 00:00", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"never printed {needle!r}; output was:\n{''.join(seen)}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = copy_sample(tmp_path / "site-copy")
    port = free_port()
    process = start(root, port, "--navigate")
    wait_for_line(process, "preview at")
    yield Server(root, f"http://127.0.0.1:{port}", process)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=20)
    assert process.returncode == 0 and "stopped" in out, out


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    page = browser.new_page()
    page.goto(server.url + "/articles/luckin-coffee-unit-economics/")
    connected(page)
    yield page
    page.close()


def connected(page: Page) -> None:
    """Wait until livereload.js has finished its handshake with the server."""
    page.wait_for_function("window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol > 0", timeout=WAIT_MS)


def visible(page: Page, text: str) -> None:
    page.wait_for_function("t => document.body && document.body.innerText.includes(t)", arg=text, timeout=WAIT_MS)


def test_an_article_edit_shows_in_the_open_page(server: Server, page: Page) -> None:
    server.edit(ARTICLE, "拆一拆瑞幸的账本。", "拆一拆瑞幸的账本。这是刚刚加上的一句。")
    visible(page, "这是刚刚加上的一句。")


def test_an_edit_of_the_summary_swaps_the_page_without_reloading_it(server: Server, page: Page) -> None:
    """The first paragraph feeds the description and the JSON-LD in <head>: those are swapped too."""
    page.evaluate("window.__still_here = true")
    server.edit(ARTICLE, "2020 年 4 月，瑞幸咖啡自曝财务造假", "2020 年 4 月（摘要改了），瑞幸咖啡自曝财务造假")
    visible(page, "（摘要改了）")
    assert "（摘要改了）" in page.eval_on_selector("script[type='application/ld+json']", "s => s.textContent")
    assert page.evaluate("window.__still_here === true"), "the page was reloaded for an edit of its text"


def test_two_saves_200_ms_apart_both_reach_the_browser(server: Server, page: Page) -> None:
    server.edit(ARTICLE, "拆一拆瑞幸的账本。", "拆一拆瑞幸的账本。第一次保存。")
    time.sleep(0.2)
    server.edit(ARTICLE, "第一次保存。", "第二次保存。")
    visible(page, "第二次保存。")


def test_a_template_edit_shows_in_the_open_page(server: Server, page: Page) -> None:
    server.edit("templates/article.html", "相关阅读", "相关阅读（模板已改）")
    visible(page, "相关阅读（模板已改）")


def test_a_stylesheet_edit_applies_without_reloading_the_page(server: Server, page: Page) -> None:
    page.evaluate("window.__still_here = true")
    server.edit("templates/static/style.css", "@media print", "body { outline: 7px solid rgb(1, 2, 3); }\n@media print")
    page.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=WAIT_MS)
    assert page.evaluate("window.__still_here === true"), "the page was reloaded for a stylesheet change"


def test_broken_yaml_shows_an_overlay_until_it_is_fixed(server: Server, page: Page) -> None:
    server.edit(ARTICLE, "tags: [瑞幸, 咖啡, 连锁零售, 价格战]", "tags: [瑞幸, 咖啡")
    overlay = page.locator("#tide-error-overlay")
    overlay.wait_for(timeout=WAIT_MS)
    assert "content/articles/2025/luckin-ledger.md:6: invalid YAML" in overlay.inner_text()
    assert "瑞幸的账本" in page.title()  # the last good page is still underneath
    report = json.loads((server.root / ".cache" / "preview-report.json").read_text(encoding="utf-8"))  # each preview build's report
    assert report["outcome"] == "failed" and report["findings"][0]["path"] == "content/articles/2025/luckin-ledger.md"
    server.edit(ARTICLE, "tags: [瑞幸, 咖啡", "tags: [瑞幸, 咖啡, 连锁零售, 价格战]")
    overlay.wait_for(state="detached", timeout=WAIT_MS)
    report = json.loads((server.root / ".cache" / "preview-report.json").read_text(encoding="utf-8"))
    assert report["outcome"] == "built" and report["outputs"] > 0 and "draw" in report["timings"]


def test_a_template_syntax_error_shows_in_the_overlay(server: Server, page: Page) -> None:
    server.edit("templates/article.html", "{% endblock %}", "{% endfor %}")
    overlay = page.locator("#tide-error-overlay")
    overlay.wait_for(timeout=WAIT_MS)
    assert "templates/article.html:" in overlay.inner_text()


def test_new_and_deleted_articles_appear_and_disappear_in_lists(server: Server, browser: Browser) -> None:
    home = browser.new_page()
    home.goto(server.url + "/")
    connected(home)
    new = server.root / "content/articles/2025/new-one.md"
    new.write_text("---\ntitle: 刚写好的新文章\ndate: 2025-05-30 09:00\n---\n\n新文章的正文。\n", encoding="utf-8")
    visible(home, "刚写好的新文章")
    new.unlink()
    home.wait_for_function("!document.body.innerText.includes('刚写好的新文章')", timeout=WAIT_MS)
    home.close()


def test_navigate_takes_the_browser_to_the_edited_article(server: Server, page: Page) -> None:
    server.edit("content/articles/2025/byd-2024.md", "规模带来了成本优势", "规模带来了成本优势（刚改）")
    page.wait_for_url("**/articles/byd-four-million/", timeout=WAIT_MS)
    visible(page, "（刚改）")


def test_drafts_are_shown_with_a_badge(server: Server, page: Page) -> None:
    server.edit(ARTICLE, "slug: luckin-coffee-unit-economics", "slug: luckin-coffee-unit-economics\ndraft: true")
    visible(page, "草稿 / 未发布")


def test_nothing_outside_the_output_is_served_and_missing_pages_get_the_404_page(server: Server) -> None:
    (server.root / ".preview" / "escape").symlink_to("/etc")
    for path in ("/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/escape/passwd", "/static/..%2f..%2fcontent/site.yaml"):
        status, _ = server.get(path)
        assert status == 404, path
    status, body = server.get("/no-such-page/")
    assert status == 404 and "这个页面不存在" in body


def test_a_busy_port_gets_a_clear_message(server: Server) -> None:
    port = server.url.rsplit(":", 1)[1]
    second = start(server.root, int(port))
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 1
    assert f"port {port} on 127.0.0.1 is busy" in out and f"--port {int(port) + 1}" in out


def test_an_edit_waits_while_another_build_of_the_project_runs(server: Server) -> None:
    """The preview shares the cache with command-line builds: its rebuild waits its turn, says so,
    and then shows the edit (a page asked for meanwhile waits for that build)."""
    written = server.root / ".preview/articles/luckin-coffee-unit-economics/index.html"
    with project_lock_held(server.root):
        server.edit(ARTICLE, "拆一拆瑞幸的账本。", "拆一拆瑞幸的账本。等另一次构建结束后才出现的一句。")
        time.sleep(1.5)  # the preview sees a save within milliseconds: by now its build is waiting
        assert "等另一次构建结束后才出现的一句。" not in written.read_text(encoding="utf-8")
    status, body = server.get("/articles/luckin-coffee-unit-economics/")
    assert status == 200 and "等另一次构建结束后才出现的一句。" in body
    wait_for_line(server.process, "the preview waits for it to finish")  # (printed while it waited)


def search_status(browser: Browser, url: str) -> str:
    """What the search page says for a query (its count line, once results are drawn)."""
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_function("() => /^找到 \\d+ 篇$/.test(document.getElementById('search-status')?.textContent || '')")
        return page.locator("#search-status").inner_text()
    finally:
        page.close()


def test_the_preview_searches_drafts_and_finds_an_edit(browser: Browser, server: Server) -> None:
    """The preview's index holds drafts, is made when a search first asks, and follows each save."""
    draft = server.root / "content/articles/2025/search-draft.md"
    draft.write_text("---\ntitle: 草稿一篇\ndate: 2025-05-01 10:00\ndraft: true\n---\n\n草稿里的独有词组。\n", encoding="utf-8")
    wait_for_line(server.process, "rebuilt in")
    assert search_status(browser, server.url + "/search/?q=" + quote("独有词组")) == "找到 1 篇"
    server.edit("content/articles/2025/luckin-ledger.md", "\n\n", "\n\n新添的试验词组。\n\n")
    wait_for_line(server.process, "rebuilt in")
    assert search_status(browser, server.url + "/search/?q=" + quote("试验词组")) == "找到 1 篇"
    assert search_status(browser, server.url + "/search/?q=" + quote("独有词组")) == "找到 1 篇"


# -- the editor's desk in the preview (tide/desk/preview.py) ------------------------------------


def findings_text(page: Page) -> str:
    return str(page.evaluate("document.getElementById('tide-desk-findings')?.innerText || ''"))


def test_the_open_articles_findings_follow_each_save(server: Server, page: Page) -> None:
    assert findings_text(page) == ""  # the sample article is clean
    server.edit(ARTICLE, "先看规模。", "先看规模,")
    page.wait_for_function("document.getElementById('tide-desk-findings')", timeout=WAIT_MS)
    text = findings_text(page)
    assert "编辑检查：content/articles/2025/luckin-ledger.md，1 条" in text and "20: cjk-punctuation half-width ','" in text
    assert page.evaluate("getComputedStyle(document.getElementById('tide-desk-findings')).position") == "fixed"  # over the page, not in it
    assert page.locator("#tide-error-overlay").count() == 0  # not the error overlay
    page.get_by_role("button", name="关闭编辑检查").click()
    assert page.locator("#tide-desk-findings").is_hidden()  # dismissed
    server.edit(ARTICLE, "先看规模,", "先看规模。")
    page.wait_for_function("!document.getElementById('tide-desk-findings')", timeout=WAIT_MS)


def test_the_toolbar_is_reached_by_keyboard_and_opens_each_view(server: Server, page: Page) -> None:
    page.focus("#tide-desk-bar summary")
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('#tide-desk-bar details').open")
    names = page.eval_on_selector_all("#tide-desk-bar a", "links => links.map(a => a.textContent)")
    assert names == ["页面", "手机", "分享卡片", "订阅阅读器", "搜索结果"]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past 页面, the page itself
    page.keyboard.press("Enter")
    page.wait_for_url("**/_tide/view/phone?path=**", timeout=WAIT_MS)
    frame = page.frame_locator("iframe")
    frame.locator("h1").wait_for(timeout=WAIT_MS)
    assert page.evaluate("document.querySelector('iframe').getBoundingClientRect().width") == 390
    assert frame.locator("#tide-desk-bar").count() == 0  # the view has the toolbar, not the framed page
    assert page.locator("#tide-desk-bar a[aria-current=page]").text_content() == "手机"


def test_the_views_show_what_share_cards_feeds_and_search_engines_get(server: Server, page: Page) -> None:
    path = "/articles/luckin-coffee-unit-economics/"
    page.goto(server.url + "/_tide/view/share?path=" + path)
    title = "瑞幸的账本：9.9 元一杯的咖啡，到底怎么赚钱"
    assert page.locator("#card-wechat .card-title").inner_text() == title
    assert page.locator("#card-wechat img").evaluate("i => [i.naturalWidth > 0, i.width, i.height, getComputedStyle(i).objectFit]") == [True, 48, 48, "cover"]
    # Cut where the card's width ends, in the CJK font: Weibo's one line is shorter than the title.
    cut = page.locator("#card-weibo .card-title").evaluate("p => [p.scrollHeight > p.clientHeight, p.clientHeight]")
    assert cut == [True, 20]
    assert page.locator("#card-x img").evaluate("i => Math.round(i.getBoundingClientRect().width / i.getBoundingClientRect().height * 100)") == 191
    page.goto(server.url + "/_tide/view/feed?path=" + path)
    entry = page.locator("article")
    assert entry.locator(".feed-title").inner_text() == title
    sources = entry.locator(".feed-content img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    assert sources and all(s.startswith(server.url + "/media/") for s in sources)  # absolute, as a feed carries them
    assert page.locator("link[rel=stylesheet]").count() == 0  # no site stylesheet
    page.goto(server.url + "/_tide/view/search?path=" + path)
    crumbs = page.locator("#result-desktop .result-crumbs").inner_text()
    assert crumbs == "127.0.0.1:" + server.url.rsplit(":", 1)[1] + " › articles › luckin-coffee-unit-economics"
    assert page.locator("#result-desktop .result-title").evaluate("p => p.clientHeight") == 26  # one line at 600 px
    status, body = server.get("/_tide/view/share?path=/nowhere/")
    assert status == 404 and "没有这个页面" in body


def test_a_view_follows_a_save(server: Server, page: Page) -> None:
    page.goto(server.url + "/_tide/view/share?path=/articles/luckin-coffee-unit-economics/")
    connected(page)
    server.edit(ARTICLE, "title: 瑞幸的账本：", "title: 瑞幸的新账本：")
    page.wait_for_function("document.querySelector('#card-wechat .card-title')?.textContent.startsWith('瑞幸的新账本')", timeout=WAIT_MS)
    assert "/_tide/view/share?path=" in page.url  # --navigate kept the view (of the edited article)
    server.edit("content/articles/2025/byd-2024.md", "\n\n", "\n\n换了一篇文章。\n\n")  # the same view of the next one
    page.wait_for_url(lambda url: url.endswith("/_tide/view/share?path=%2Farticles%2Fbyd-four-million%2F"), timeout=WAIT_MS)


def test_views_and_findings_are_accessible_and_absent_from_the_site(server: Server, browser: Browser) -> None:
    from audits import axe_violations

    server.edit(ARTICLE, "先看规模。", "先看规模,")
    wait_for_line(server.process, "rebuilt in")
    urls = [server.url + "/articles/luckin-coffee-unit-economics/"]
    urls += [f"{server.url}/_tide/view/{name}?path=/articles/luckin-coffee-unit-economics/" for name in ("phone", "share", "feed", "search")]
    for url in urls:
        for scheme in ("light", "dark"):
            assert axe_violations(browser, url, scheme) == [], (url, scheme)
    command = [sys.executable, str(REPO / "build.py"), "--root", str(server.root), "build", "--now", "2025-06-01 00:00"]
    built = subprocess.run(command, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    pages = [p.read_text(encoding="utf-8") for p in (server.root / "site").rglob("*.html")]
    assert pages and not any("tide-desk" in text or "_tide/view" in text for text in pages)


def test_a_restarted_preview_shows_findings_before_any_edit(tmp_path: Path) -> None:
    """A preview started on an output that is up to date still knows which article each page shows."""
    root = copy_sample(tmp_path / "site-copy")
    article = root / ARTICLE
    article.write_text(article.read_text(encoding="utf-8").replace("先看规模。", "先看规模,", 1), encoding="utf-8")
    long_ago = time.time() - 3600  # (inputs written a moment ago are never trusted to be up to date)
    for path in [*(root / "content").rglob("*"), *(root / "templates").rglob("*")]:
        os.utime(path, (long_ago, long_ago))
    port = free_port()  # (the same both times: the preview's pages name their address)
    for _ in range(2):  # the second start finds its output up to date
        process = start(root, port)
        try:
            wait_for_line(process, "preview at")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/articles/luckin-coffee-unit-economics/", timeout=10) as r:
                body = r.read().decode()
            assert 'id="tide-desk-findings"' in body and "cjk-punctuation" in body
        finally:
            process.send_signal(signal.SIGINT)
            out, _ = process.communicate(timeout=20)
    assert "rebuilt in" not in out.split("preview at")[0]  # (nothing was drawn the second time)
