"""``build.py import``: options in, one report per file and a summary out, an exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Paths, load_config
from ..errors import ErrorList
from .importer import Importer, ImportOptions, Outcome, files_to_import

ONE_FILE_OPTIONS = ("title", "date", "slug")


def import_command(args: argparse.Namespace, root: Path) -> int:
    """0 when every file was imported (or was there already), 1 when any failed."""
    files = files_to_import(args.paths)
    if not files:
        print(f"nothing to import in {', '.join(map(str, args.paths))} (looked for .txt and .html files)", file=sys.stderr)
        return 1
    given = [name for name in ONE_FILE_OPTIONS if getattr(args, name)]
    if given and len(files) > 1:
        print(f"--{given[0]} applies to one file, and {len(files)} were given", file=sys.stderr)
        return 1
    if args.images is not None and not args.images.is_dir():
        print(f"--images {args.images}: not a folder", file=sys.stderr)
        return 1
    errors = ErrorList(root)
    config = load_config(Paths(root, root / "site"), errors)
    errors.raise_if_any()
    tags = tuple(t.strip() for t in (args.tags or "").replace("，", ",").split(",") if t.strip())
    options = ImportOptions(args.title, args.date, args.slug, args.category, tags, args.images, args.dry_run, args.update)
    importer = Importer(root, config, options)
    outcomes = [importer.run(path) for path in files]
    for outcome in outcomes:
        _print(outcome, root, args.dry_run)
    if len(outcomes) > 1:
        counts = {s: sum(o.status == s for o in outcomes) for s in ("written", "updated", "exists", "dry run", "failed")}
        print("imported: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" (of {len(outcomes)} files)")
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _print(outcome: Outcome, root: Path, dry_run: bool) -> None:
    where = outcome.target.relative_to(root).as_posix() if outcome.target and outcome.target.is_relative_to(root) else outcome.target
    stream = sys.stderr if outcome.status == "failed" else sys.stdout
    if dry_run and outcome.markdown:
        print(f"----- {where} (dry run: not written)\n{outcome.markdown}-----")
    heading = {
        "written": f"wrote {where}",
        "updated": f"rewrote {where}",
        "exists": f"skipped {outcome.source}",
        "dry run": f"would write {where}",
        "failed": f"not imported: {outcome.source}",
    }[outcome.status]
    print(heading, file=stream)
    for message in outcome.messages:
        print(f"  {message}", file=stream)
