"""``build.py check``: every check a build runs and the editorial rules, without writing the site."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from typing import TextIO

from ..config import BuildOptions, Paths
from .findings import FIXES, RULES, Finding, as_json, exit_code, from_build, settings
from .report import check_key, save_findings, saved_findings, saved_sources
from .rules import editorial, sources

CHECK_FILE = "check.json"  # in .cache/: the last check's findings


def run_check(paths: Paths, options: BuildOptions, form: str = "text", strict: bool = False, fix: str | None = None, out: TextIO = sys.stdout) -> int:
    if fix is not None and fix not in FIXES:
        known = f"'{fix}' has no fix" if fix in RULES else f"there is no rule '{fix}'"
        print(f"check --fix: {known}; only {', '.join(FIXES)} can be fixed", file=sys.stderr)
        return 2
    from ..freshness import quick_check
    from ..pipeline import Builder

    now = options.now or datetime.now().astimezone()
    _, stamps, cache = quick_check(paths, replace(options, now=None))  # (the clock is in the findings' validity, not their key)
    stamp = stamps.all if stamps is not None else ""
    key = check_key(stamp, repr((options.drafts, options.future, options.base_url)))
    saved = paths.root / ".cache" / CHECK_FILE
    findings = saved_findings(saved, key, now) if stamp and fix is None else None
    if findings is None:
        with Builder(paths, options, cache) as builder:
            survey = builder.survey(now)
        rules = settings(survey.config, paths.content / "site.yaml")
        found = sources(survey, paths.content, paths.root)
        if fix is not None:
            from .fix import fix_punctuation

            changes = fix_punctuation(found, rules, paths.root)
            for change in changes:
                print(change, file=out)
            print(f"fixed {len(changes)} mark(s) in {len({c.split(':')[0] for c in changes})} file(s)", file=out)
            return 0
        # A source's own findings follow from its file and the rules: those of unchanged files are taken from the last check.
        rules_key = check_key("", repr((rules, survey.config.summary_length)))  # (every setting: one added later counts without a word here)
        unchanged = saved_sources(saved, rules_key, survey.hashes, now) if options.use_cache else {}
        everything, each = editorial(survey, found, rules, paths.content, paths.root, now, unchanged)
        findings = sorted(rules.problems + from_build(survey.errors, survey.warnings, rules) + everything)
        later = [d.date for d in survey.site.held_back.values() if d.date and d.date > now] + [m for m in survey.site.promo_moments if m > now]
        if options.use_cache:
            kept = {rel: (survey.hashes[rel], own) for rel, own in each.items() if rel in survey.hashes}
            save_findings(saved, key, findings, min(later, default=None), rules_key, kept)
    _print(findings, form, out)
    return exit_code(findings, strict)


def _print(findings: list[Finding], form: str, out: TextIO) -> None:
    if form == "json":
        out.write(as_json(findings))
        return
    for f in findings:
        print(f, file=out)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    print(f"{len(findings)} finding(s): {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info", file=out)
