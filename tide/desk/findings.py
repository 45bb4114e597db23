"""Findings of the editor's desk, the rules they come from, how severe each is (``checks:`` in
site.yaml), and how they are printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import SiteConfig
from ..errors import BuildError
from ..wechat.rules import CREDIT_WORDS

# Every rule and its severity unless ``checks:`` says otherwise. ``build``: what a build reports
# that is not a link (front matter, templates' data, settings).
RULES = {
    "link": "error",
    "build": "error",
    "figure-credit": "warning",
    "cjk-punctuation": "warning",
    "heading-skip": "warning",
    "duplicate-title": "warning",
    "summary-missing": "warning",
    "image-weight": "warning",
    "scheduled": "info",
    "orphan": "info",
}
SEVERITIES = ("error", "warning", "info", "off")
FIXES = ("cjk-punctuation",)  # the rules ``--fix`` can apply
SETTINGS = {"image_budget_kb": 300, "image_source_mb": 10}  # numbers ``checks:`` may set besides severities


@dataclass(frozen=True, order=True, slots=True)
class Finding:
    path: str  # relative to the project
    line: int  # 1-based; 0 for a whole file
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class Settings:
    severity: dict[str, str]
    image_budget: int = SETTINGS["image_budget_kb"] * 1000  # bytes, the largest published variant of a picture
    source_budget: int = SETTINGS["image_source_mb"] * 1000 * 1000  # bytes, a picture as it sits in content/media/
    credit_words: tuple[str, ...] = CREDIT_WORDS
    problems: list[Finding] = field(default_factory=list)  # in ``checks:`` itself

    def finding(self, path: str, line: int, rule: str, message: str) -> Finding | None:
        severity = self.severity[rule]
        return None if severity == "off" else Finding(path, line, rule, severity, message)


def settings(config: SiteConfig, site_file: Path, display: str = "content/site.yaml") -> Settings:
    """``checks:`` (rule -> severity, and the numbers in SETTINGS) and ``import: credit_words``."""
    raw = config.tools.get("checks") or {}
    lines = _nested_lines(site_file, "checks")
    severity, problems = dict(RULES), []
    numbers: dict[str, float] = dict(SETTINGS)
    if not isinstance(raw, dict):
        raw = {}
        problems.append(Finding(display, lines.get("", 1), "build", "error", "'checks' must be a mapping of rule ids to error, warning, info or off"))
    for key, value in raw.items():
        line = lines.get(str(key), 1)
        value = "off" if value is False else value  # (YAML reads a bare off as false)
        if key in SETTINGS:
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                numbers[key] = value
            else:
                problems.append(Finding(display, line, "build", "error", f"checks: '{key}' must be a positive number"))
        elif key not in RULES:
            problems.append(Finding(display, line, "build", "error", f"checks: unknown rule '{key}'; the rules are {', '.join(RULES)}"))
        elif value not in SEVERITIES:
            problems.append(Finding(display, line, "build", "error", f"checks: '{key}' must be one of {', '.join(SEVERITIES)}, not '{value}'"))
        else:
            severity[key] = value
    words = (config.tools.get("import") or {}).get("credit_words") or ()
    return Settings(
        severity,
        int(numbers["image_budget_kb"] * 1000),
        int(numbers["image_source_mb"] * 1000 * 1000),
        CREDIT_WORDS + tuple(str(w) for w in words),
        problems,
    )


def _nested_lines(path: Path, section: str) -> dict[str, int]:
    """The lines of the keys in one top-level mapping of a YAML file ("" for the section's own)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == section:
            found = {"": key.start_mark.line + 1}
            if isinstance(value, yaml.MappingNode):
                found.update({k.value: k.start_mark.line + 1 for k, _ in value.value})
            return found
    return {}


def from_build(errors: list[BuildError], warnings: list[BuildError], settings: Settings) -> list[Finding]:
    """What a build reports, as findings: links (``link``), everything else (``build``)."""
    found = []
    for problem, warned in [(e, False) for e in errors] + [(w, True) for w in warnings]:
        message = problem.message.removeprefix("warning: ")
        rule = "link" if problem.kind == "link" else "build"
        finding = settings.finding(problem.path, problem.line, rule, message)
        if finding is not None:
            found.append(Finding(finding.path, finding.line, rule, "warning" if warned else finding.severity, message))
    return found


def summary(findings: list[Finding]) -> dict[str, Any]:
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES[:-1]}
    return {
        **counts,
        "rules": {r: n for r in RULES if (n := sum(f.rule == r for f in findings))},
        "files": len({f.path for f in findings}),
    }


def as_json(findings: list[Finding], extra: dict[str, Any] | None = None) -> str:
    body = {"findings": [asdict(f) for f in findings], "summary": summary(findings), **(extra or {})}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def exit_code(findings: list[Finding], strict: bool) -> int:
    """1 when there is an error (or, ``strict``, any finding), else 0."""
    return 1 if any(f.severity == "error" or strict for f in findings) else 0
