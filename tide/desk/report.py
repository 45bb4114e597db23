"""Reports kept outside the site: each build's (its problems, where its time went, the slowest
templates) and the last check's findings (reused while nothing it read has changed)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BuildError
from .findings import Finding, Settings, from_build, summary

SLOWEST = 10
CHECK_FORMAT = 1


def build_report(path: Path, outcome: str, errors: list[BuildError], warnings: list[BuildError], settings: Settings, result: Any = None) -> None:
    """Write a build's report (JSON): ``outcome`` "built", "up to date" or "failed"; ``result`` a
    ``BuildResult`` when the build got that far."""
    findings = sorted(from_build(errors, warnings, settings))
    report: dict[str, Any] = {"outcome": outcome, "findings": [asdict(f) for f in findings], "summary": summary(findings)}
    if result is not None:
        drawn = sorted(result.templates.items(), key=lambda kv: -kv[1][1])[:SLOWEST]
        report |= {
            "path": result.path,
            "outputs": result.pages,
            "pages_drawn": result.rendered,
            "files_written": len(result.written),
            "files_removed": len(result.deleted),
            "sources_converted": result.compiled,
            "timings": {name: round(seconds, 4) for name, seconds in result.timings.items()},
            "slowest_templates": [_template(name, int(pages), seconds) for name, (pages, seconds) in drawn],
        }
    write_json(path, report)


def _template(name: str, pages: int, seconds: float) -> dict[str, Any]:
    return {"template": name, "pages": pages, "seconds": round(seconds, 4), "ms_per_page": round(1000 * seconds / pages, 3)}


def write_json(path: Path, data: dict[str, Any], indent: int | None = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def check_key(stamp: str, options: str) -> str:
    """What a check's findings follow from: every input (its stamp), the options, the desk's code."""
    h = hashlib.blake2b(f"{CHECK_FORMAT}\0{stamp}\0{options}".encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def _saved(path: Path, now: datetime) -> dict[str, Any] | None:
    """The last check's record, unless the clock has since passed a moment that changes findings
    (an article going live, a promo starting or ending)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        until = saved["valid_until"]
        if until is not None and now >= datetime.fromisoformat(until):
            return None
        return saved  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def saved_findings(path: Path, key: str, now: datetime) -> list[Finding] | None:
    """The last check's findings, when it read the same inputs (``check_key``) and is still valid."""
    saved = _saved(path, now)
    try:
        return [Finding(*f) for f in saved["findings"]] if saved and saved["key"] == key else None
    except (KeyError, TypeError):
        return None


def saved_sources(path: Path, rules: str, hashes: dict[str, str], now: datetime) -> dict[str, list[Finding]]:
    """Each source's own findings from the last check, for the sources whose file (``hashes``: the
    hash of each file's bytes) is as it was then, when the rules were the same (``rules``)."""
    saved = _saved(path, now)
    try:
        if not saved or saved["sources"]["rules"] != rules:
            return {}
        return {rel: [Finding(*f) for f in rows] for rel, (digest, rows) in saved["sources"]["each"].items() if hashes.get(rel) == digest}
    except (KeyError, TypeError, ValueError):
        return {}


def save_findings(path: Path, key: str, findings: list[Finding], valid_until: datetime | None, rules: str, each: dict[str, tuple[str, list[Finding]]]) -> None:
    """``each``: source -> (the hash of its file, its own findings), kept for the next check."""
    sources = {"rules": rules, "each": {rel: [digest, _rows(found)] for rel, (digest, found) in each.items()}}
    write_json(
        path, {"key": key, "valid_until": valid_until.isoformat() if valid_until else None, "findings": _rows(findings), "sources": sources}, indent=None
    )


def _rows(found: list[Finding]) -> list[list[Any]]:
    return [[f.path, f.line, f.rule, f.severity, f.message] for f in found]  # (rows: 40,000 findings are read back in 0.1 s)
