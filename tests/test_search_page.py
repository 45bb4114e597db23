"""The search page in a real headless Chromium on the sample publication: deep links, typing,
traditional and full-width queries, words inside sentences, no results, the header box, the
page without JavaScript, axe on the results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from audits import axe_violations
from playwright.sync_api import Browser, Page
from static_server import serving
from test_search_index import reference

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        yield context.new_page()
    finally:
        context.close()


def texts(site: Path) -> dict[str, str]:
    """Each article's searchable text by its URL, from the fragments the build wrote."""
    out = {}
    for f in (site / "search-index" / "f").glob("*.json"):
        fragment = json.loads(f.read_text(encoding="utf-8"))
        out[fragment["url"]] = fragment["text"]
    return out


SHOWN = """() => {
  const s = document.getElementById('search-status');
  return s && s.textContent.startsWith('找到') && !document.querySelector('.search-result:empty');
}"""


def found(page: Page) -> tuple[str, list[str]]:
    page.wait_for_function(SHOWN)
    status = page.locator("#search-status").inner_text()
    links = page.locator("#search-results .search-title").evaluate_all("els => els.map(e => new URL(e.href).pathname)")
    return status, links


def expected(site: Path, query: str) -> set[str]:
    return {url for url, text in texts(site).items() if reference(text, query)}


@pytest.mark.parametrize("query", ["京东", "京東", "小米 SU7", "ｓｕ７", "雷军"])
def test_a_deep_link_lists_exactly_the_articles_holding_every_term(page: Page, base_url: str, sample_site: Path, query: str) -> None:
    page.goto(f"{base_url}/search/?q={quote(query)}")
    status, links = found(page)
    want = expected(sample_site, query)
    assert want, f"the sample has no article with {query}"
    assert status == f"找到 {len(want)} 篇"
    assert set(links) == want and len(links) == len(want)
    assert page.locator("#search-results mark").count() >= 1
    assert page.input_value("#search-input") == query


def test_a_word_found_only_inside_a_sentence(page: Page, base_url: str, sample_site: Path) -> None:
    url, text = sorted(texts(sample_site).items())[0]
    body = text.split("\n", 2)[2]
    sentence = max(body.split("\n"), key=len)
    word = next(sentence[i : i + 2] for i in range(10, len(sentence)) if all("\u4e00" <= c <= "\u9fff" for c in sentence[i : i + 2]))
    page.goto(f"{base_url}/search/?q={quote(word)}")
    _, links = found(page)
    assert url in links and set(links) == expected(sample_site, word)


def test_typing_shows_results_and_keeps_the_address(page: Page, base_url: str, sample_site: Path) -> None:
    page.goto(f"{base_url}/search/")
    page.locator("#search-input").press_sequentially("比亚迪", delay=30)
    status, links = found(page)
    assert set(links) == expected(sample_site, "比亚迪")
    assert "q=%E6%AF%94%E4%BA%9A%E8%BF%AA" in page.url
    page.locator("#search-input").fill("没有这个词呀")
    page.wait_for_function("() => document.getElementById('search-status').textContent === '找到 0 篇'")
    assert page.locator(".search-result").count() == 0


def test_the_header_box_goes_to_the_search_page(page: Page, base_url: str, sample_site: Path) -> None:
    page.goto(f"{base_url}/")
    page.locator("#site-search-q").fill("京东")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    _, links = found(page)
    assert set(links) == expected(sample_site, "京东")


def test_punctuation_alone_shows_nothing_and_no_error(page: Page, base_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for query in ["，。！", "   ", "x" * 500]:
        page.goto(f"{base_url}/search/?q={quote(query)}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)
        assert page.locator(".search-result").count() == 0
    assert errors == []


def test_an_index_that_fails_to_load_says_so(page: Page, base_url: str) -> None:
    page.route("**/search-index/index.json", lambda route: route.fulfill(status=500, body="broken"))
    page.goto(f"{base_url}/search/?q=京东")
    page.wait_for_function("() => document.getElementById('search-status').textContent.includes('失败')")


def test_without_javascript_the_page_says_search_needs_it(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/search/?q=京东")
        assert "搜索需要启用 JavaScript" in page.locator("#search-results").inner_text()
        page.goto(f"{base_url}/")
        page.locator("#site-search-q").fill("京东")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search/?q=*")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_results(browser: Browser, base_url: str, scheme: str) -> None:
    assert axe_violations(browser, f"{base_url}/search/?q={quote('京东')}", scheme, ready="() => document.querySelector('.search-result mark')") == []


def test_more_sort_by_date_and_the_keyboard(browser: Browser, project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """45 articles hold the word: 20 shown, "更多" (reached by Tab, pressed with Enter) shows 20
    more and moves focus to the first of them, then the last 5 and the button goes; the date
    sort puts the newest first; an excerpt under a heading links to that heading."""
    for n in range(45):
        body = f"开头一段。\n\n## 第{n}节\n\n这里说到京东第{n}回。\n"
        project.article(f"a{n:02d}", title=f"第{n}篇", date=f"2025-01-{1 + n % 28:02d} {10 + n // 28}:00", body=body)
    project.build()
    with serving(project.site) as url:
        page = browser.new_page()
        page.goto(url + "/search/?q=" + quote("京东"))
        status, links = found(page)
        assert status == "找到 45 篇" and len(links) == 20
        section = page.locator(".search-section a").first
        href = section.get_attribute("href") or ""
        assert "#" in href and section.inner_text().startswith("第")
        page.goto(url + href)
        assert page.locator(f"[id='{unquote(href.split('#')[1])}']").count() == 1
        page.go_back()
        found(page)
        page.focus("#search-input")
        for _ in range(100):  # Tab until the button has focus (past the sort, and each result's links)
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") == "更多":
                break
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelectorAll('.search-title').length === 40")
        assert page.evaluate("document.activeElement === document.querySelectorAll('.search-result')[20].querySelector('a')")
        page.locator("button", has_text="更多").click()
        page.wait_for_function("() => document.querySelectorAll('.search-title').length === 45")
        assert page.locator("button", has_text="更多").is_hidden()
        page.select_option("#search-sort", "date")
        page.wait_for_function(SHOWN)
        assert page.locator(".search-meta time").first.get_attribute("datetime") == "2025-01-28"
        page.close()


def test_an_excerpt_far_into_the_body_and_across_a_folding_piece(browser: Browser, project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The excerpt is found in a text folded a piece at a time (client.js): a match 3,000
    characters in, and one written in traditional characters that straddles two pieces, are each
    marked, with the heading above them linked."""
    filler = "甲乙丙丁戊己庚辛壬癸。" * 300
    project.article("far", title="远处", body=f"{filler}\n\n## 远处一节\n\n这里才说到雷軍的事。\n")
    project.article("edge", title="边上", body="乙" * 999 + "雷軍说。\n")
    project.build()
    fragment = json.loads((project.site / "search-index" / "f" / "1.json").read_text(encoding="utf-8"))
    assert fragment["text"].index("雷軍") == fragment["body"] + 999  # (雷 ends one piece, 軍 starts the next)
    with serving(project.site) as url:
        page = browser.new_page()
        page.goto(url + "/search/?q=" + quote("雷军"))
        status, links = found(page)
        assert status == "找到 2 篇"
        assert page.locator(".search-excerpt mark").all_inner_texts() == ["雷軍", "雷軍"]
        assert page.locator(".search-section a").all_inner_texts() == ["远处一节"]
        page.close()
