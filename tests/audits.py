"""The checkers tests and audits share: the Nu Html Checker (Java) and axe-core (in Chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules/axe-core/axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def run_vnu(folder: Path) -> list[dict[str, object]]:
    """Check every HTML and CSS file under ``folder``; return the checker's error messages."""
    assert VNU.is_file(), f"{VNU} is missing: run `make test` (it runs npm ci)"
    java = shutil.which("java")
    assert java, "Java is missing: install a JRE (Debian: default-jre-headless)"
    result = subprocess.run(
        [java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--skip-non-html", "--also-check-css", str(folder)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def axe_violations(browser: Browser, url: str, scheme: str, ready: str | None = None) -> list[str]:
    """``ready``: a function the page must make true first (results drawn by its script)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        if ready:
            page.wait_for_function(ready)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", AXE_RULES)
        return [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in found]
    finally:
        context.close()
