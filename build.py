#!/usr/bin/env python3
"""The command line of the 观潮商业评论 site: build, preview, new article. The engine is in tide/."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

from tide.config import BuildOptions, Paths
from tide.errors import BuildFailed
from tide.processes import BadSwitch, start_method
from tide.projectlock import one_build_at_a_time

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        start_method()  # (a bad TIDE_START_METHOD is said before any work)
        return args.run(args)
    except BadSwitch as bad:
        print(bad, file=sys.stderr)
        return 2
    except BuildFailed as failed:
        for error in failed.errors:
            print(error, file=sys.stderr)
        print(f"build failed: {len(failed.errors)} problem(s); the previous output was left as it was", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001  the last line of defence: no traceback for editors
        if args.debug:
            traceback.print_exc()
        else:
            print(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details)", file=sys.stderr)
        return 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build.py", description="Build the site from content/ and templates/ into site/.")
    p.add_argument("--root", type=Path, default=HERE, help="project folder holding content/ and templates/ (default: beside build.py)")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")
    p.set_defaults(run=run_build, drafts=False, future=False, base_url=None, output=None, now=None, no_cache=False, jobs=None, report=None)
    sub = p.add_subparsers(title="commands", metavar="{build,serve,check,new,import,deploy,clean}")

    b = sub.add_parser("build", help="build the site into site/ (the default command)")
    _build_options(b)
    b.add_argument("--report", type=Path, help="write the build's report (JSON: problems, timings, slowest templates) here (default .cache/report.json)")
    b.set_defaults(run=run_build)

    s = sub.add_parser("serve", help="build with drafts and preview at http://127.0.0.1:8000")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    s.add_argument("--no-drafts", action="store_true", help="preview only what would be published")
    s.add_argument("--output", type=Path, help="preview folder (default .preview/)")
    s.add_argument("--now", type=_moment, help="pretend it is this moment (YYYY-MM-DD HH:MM)")
    s.add_argument("--open", action="store_true", help="open the preview in the default browser")
    s.add_argument("--navigate", action="store_true", help="take the browser to the article being edited")
    s.set_defaults(run=run_serve)

    k = sub.add_parser("check", help="every check a build runs, and the editorial rules, without writing site/")
    k.add_argument("--format", choices=("text", "json"), default="text", help="text: path:line: rule: message (default); json: findings and a summary")
    k.add_argument("--strict", action="store_true", help="exit 1 on any finding, not only on errors")
    k.add_argument("--fix", metavar="RULE", help="rewrite that rule's findings in the articles (only cjk-punctuation has a fix)")
    k.add_argument("--drafts", action="store_true", help="check as a build with --drafts links (drafts are always linted)")
    k.add_argument("--now", type=_moment, help="check as if it were this moment (YYYY-MM-DD HH:MM)")
    k.set_defaults(run=run_check)

    n = sub.add_parser("new", help='start an article: new "标题" [--slug S] [--category C] [--tags a,b]')
    n.add_argument("title", help="the article's title")
    n.add_argument("--slug", help="URL name (default: pinyin of the title)")
    n.add_argument("--category", help="the one category")
    n.add_argument("--tags", help="comma-separated tags, e.g. 小米,京东")
    n.set_defaults(run=run_new)

    i = sub.add_parser("import", help="import WeChat articles (copied .txt, saved .html, or folders of them) into content/articles/")
    i.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a .txt or .html file, or a folder of them")
    i.add_argument("--title", help="the title (one file only)")
    i.add_argument("--date", type=_moment, help="the publish time, YYYY-MM-DD HH:MM (one file only)")
    i.add_argument("--slug", help="URL name (one file only; default: pinyin of the title)")
    i.add_argument("--category", help="the one category")
    i.add_argument("--tags", help="comma-separated tags, e.g. 小米,京东")
    i.add_argument("--images", type=Path, help="pictures for a text file's credit lines, in file-name order")
    i.add_argument("--dry-run", action="store_true", help="write nothing; print the Markdown and the report")
    i.add_argument("--update", action="store_true", help="rewrite an article imported before, in place")
    i.set_defaults(run=run_import)

    d = sub.add_parser("deploy", help="build, then upload site/ to object storage (S3, OSS, COS, R2, MinIO): only what changed, deletions last")
    d.add_argument("--dry-run", action="store_true", help="print the plan (uploads, deletes, header changes, bytes) and change nothing")
    d.add_argument("--max-deletes", type=int, default=50, help="refuse a deploy that would delete more objects than this (default 50)")
    d.add_argument("--force", action="store_true", help="upload every file, changed or not")
    d.add_argument("--endpoint", help="the S3 endpoint URL (default: deploy: endpoint in content/site.yaml)")
    d.add_argument("--bucket", help="the bucket (default: deploy: bucket)")
    d.add_argument("--prefix", help="a folder in the bucket (default: deploy: prefix, or none)")
    d.add_argument("--region", help="the region (default: deploy: region)")
    d.add_argument("--now", type=_moment, help="build as if it were this moment (YYYY-MM-DD HH:MM)")
    d.set_defaults(run=run_deploy)

    c = sub.add_parser("clean", help="remove site/, the preview folder and the build cache")
    c.set_defaults(run=run_clean)
    # --help lists every command with every option, not only the command names
    p.epilog = "every command and its options:\n" + "".join("  " + cmd.format_usage().removeprefix("usage: ") for cmd in (b, s, k, n, i, d, c))
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    return p


def _build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    p.add_argument("--future", action="store_true", help="include articles dated in the future")
    p.add_argument("--base-url", help="override base_url from content/site.yaml")
    p.add_argument("--output", type=Path, help="output folder (default site/)")
    p.add_argument("--now", type=_moment, help="pretend it is this moment (YYYY-MM-DD HH:MM); makes builds repeatable")
    p.add_argument("--no-cache", action="store_true", help="build everything from scratch without reading .cache/")
    p.add_argument("--jobs", type=int, help="processes to use (default: one per core)")


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"cannot read '{text}' as a moment; use YYYY-MM-DD HH:MM") from None


def _paths(args: argparse.Namespace, default_output: str) -> Paths:
    root = args.root.resolve()
    return Paths(root=root, output=(args.output or root / default_output).resolve())


def run_build(args: argparse.Namespace) -> int:
    options = BuildOptions(args.drafts, args.future, _aware(args.now, args), args.base_url, not args.no_cache, args.jobs)
    paths = _paths(args, "site")
    report = args.report or paths.root / ".cache" / "report.json"
    with one_build_at_a_time(paths.root, "this build"):
        try:
            return _build(paths, options, report)
        except BuildFailed as failed:
            _report(report, paths, "failed", failed.errors)
            raise


def _build(paths: Paths, options: BuildOptions, report: Path) -> int:
    from tide.freshness import quick_check

    fresh, stamps, cache = quick_check(paths, options, meanwhile=_import_build)
    if fresh:
        assert cache is not None
        cache.close()
        print(f"{paths.output} is up to date: nothing changed")
        _next_change(cache.state.next_change)
        _report(report, paths, "up to date", [])
        return 0
    from tide.pipeline import build

    gc.disable()  # one build, then exit: collecting would only walk the site graph to free nothing (0.4 s at 10,000 articles)
    result = build(paths, options, stamps, cache)  # (closes the cache)
    _report(report, paths, "built", [], result)
    took = sum(result.timings.values())
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    print(
        f"built {result.pages} outputs into {result.output} in {took:.2f} s: "
        f"{result.compiled} sources converted, {result.images} images resized, {result.rendered} pages drawn, "
        f"{len(result.written)} files written, {len(result.deleted)} removed"
        + (f"; {result.reused} pages kept their blocks from the last build (only the layout changed)" if result.reused else "")
    )
    _next_change(result.next_change)
    return 0


def _report(path: Path, paths: Paths, outcome: str, errors: list, result: object = None) -> None:  # type: ignore[type-arg]
    """The build's report, outside the site (tide/desk/report.py)."""
    from tide.config import load_config
    from tide.desk.findings import settings
    from tide.desk.report import build_report
    from tide.errors import ErrorList

    config = load_config(paths, ErrorList(paths.root))
    warnings = getattr(result, "warnings", [])
    build_report(path, outcome, errors, warnings, settings(config, paths.content / "site.yaml"), result)


def run_check(args: argparse.Namespace) -> int:
    from tide.desk.cli import run_check as check

    paths = _paths(args, "site")
    options = BuildOptions(drafts=args.drafts, future=False, now=_aware(args.now, args))
    gc.disable()  # one check, then exit: collecting would only walk the site graph to free nothing
    with one_build_at_a_time(paths.root, "this check"):
        return int(check(paths, options, args.format, args.strict, args.fix))


def _next_change(moment: datetime | None) -> None:
    """Say when the clock alone next changes the site (a scheduled article or a promo starts or ends):
    a scheduled publishing run's log shows when its next build will matter."""
    if moment is not None:
        print(f"the site next changes at {moment:%Y-%m-%d %H:%M %Z} (a scheduled article, or a promo starting or ending)")


def _import_build() -> None:
    import tide.pipeline  # noqa: F401  (imported while the inputs are statted; used by run_build)


def run_clean(args: argparse.Namespace) -> int:
    import shutil

    root = args.root.resolve()
    with one_build_at_a_time(root, "clean"):
        for name in ("site", ".preview", ".cache"):
            shutil.rmtree(root / name, ignore_errors=True)
    print("removed site/, .preview/ and .cache/")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from tide.serve import serve

    drafts = not args.no_drafts
    options = BuildOptions(drafts=drafts, future=drafts, now=_aware(args.now, args), base_url=f"http://{args.host}:{args.port}/", fingerprint=False)
    from tide.desk.preview import DeskPreview

    return serve(_paths(args, ".preview"), args.host, args.port, options, open_browser=args.open, navigate=args.navigate, tools=(DeskPreview(),))


def run_new(args: argparse.Namespace) -> int:
    from tide.config import load_config
    from tide.errors import ErrorList
    from tide.scaffold import ScaffoldRefused, new_article

    paths = _paths(args, "site")
    errors = ErrorList(paths.root)
    config = load_config(paths, errors)
    errors.raise_if_any()
    tags = [t.strip() for t in (args.tags or "").replace("，", ",").split(",") if t.strip()]
    try:
        path = new_article(paths.content, args.title, datetime.now(config.timezone), args.slug, args.category, tags)
    except ScaffoldRefused as refused:
        print(f"not written: {refused}", file=sys.stderr)
        return 1
    print(f"wrote {path.relative_to(paths.root)}")
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    """Build as ``build`` does (a failed build deploys nothing), then deploy what it made."""
    from tide.deploy.cli import deploy_command

    paths = _paths(args, "site")
    with one_build_at_a_time(paths.root, "this deploy"):
        code = _build(paths, BuildOptions(now=_aware(args.now, args)), paths.root / ".cache" / "report.json")
        return code or deploy_command(args, paths)


def run_import(args: argparse.Namespace) -> int:
    from tide.wechat.cli import import_command

    return import_command(args, _paths(args, "site").root)


def _aware(moment: datetime | None, args: argparse.Namespace) -> datetime | None:
    """A --now without a zone is in the site's timezone, like dates in the content."""
    if moment is None or moment.tzinfo:
        return moment
    from tide.config import load_config
    from tide.errors import ErrorList

    paths = _paths(args, "site")
    return moment.replace(tzinfo=load_config(paths, ErrorList(paths.root)).timezone)


if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now. Tearing down a 10,000-article site graph object by
    # object took most of a second at exit; the operating system frees it at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
