"""axe-core in a real headless Chromium: no violations on any kind of page, on a phone, light and dark."""

from __future__ import annotations

from pathlib import Path

import pytest
from audits import axe_violations
from playwright.sync_api import Browser
from static_server import serving

PAGES = [
    "/", "/page/2/", "/articles/luckin-coffee-unit-economics/", "/articles/byd-four-million/", "/tags/rui-xing/",
    "/categories/shen-du/", "/tags/", "/authors/lin-qiao/", "/archive/", "/archive/2025/", "/about/", "/404.html",
]  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violations(browser: Browser, base_url: str, path: str, scheme: str) -> None:
    assert axe_violations(browser, base_url + path, scheme) == []


def test_axe_is_really_looking(browser: Browser, tmp_path: Path) -> None:
    """The check above must be able to fail: a page with known faults shows them."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="zh-CN"><head><title>坏页面</title></head><body><main>'
        '<img src="x.png"><p style="color:#aaa;background:#fff">浅灰色的字</p></main></body></html>',
        encoding="utf-8",
    )
    with serving(tmp_path) as url:
        found = {v.split(":")[0] for v in axe_violations(browser, url + "/", "light")}
    assert {"image-alt", "color-contrast"} <= found
