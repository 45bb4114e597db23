"""build(paths, options) -> BuildResult: load everything, check everything, then render and swap."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .config import Paths, SiteConfig, load_config
from .content import Document, find_sources, load_document
from .errors import ErrorList
from .markup import Converter, Rendered, code_stylesheet
from .output import Staging, files_under
from .routes import Route, check_collisions, plan
from .site import Selection, Site, build_site, site_settings
from .templates import TemplateProblem, Templates

CODE_CSS = "static/code.css"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # pins the clock (future articles, promo dates)
    base_url: str | None = None


@dataclass(slots=True)
class BuildResult:
    output: Path
    pages: int
    files: int
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Loaded:
    """Everything known before the first byte is written."""

    config: SiteConfig
    site: Site
    routes: list[Route]
    files: dict[str, Path]


def build(paths: Paths, options: BuildOptions) -> BuildResult:
    """Build the whole site into ``paths.output``; raise BuildFailed listing every problem."""
    timings: dict[str, float] = {}
    errors = ErrorList(paths.root)
    loaded = load(paths, options, errors, timings)
    errors.raise_if_any()
    started = time.perf_counter()
    templates = Templates(paths.templates, loaded.config, {"site": site_settings(loaded.site), "data": loaded.config.data})
    with Staging(paths.output, sources=[paths.content, paths.templates]) as staging:
        _render_all(templates, loaded.routes, staging, errors)
        errors.raise_if_any()
        for rel, source in loaded.files.items():
            staging.copy(source, rel)
        staging.write(CODE_CSS, code_stylesheet().encode())
        staging.commit()
    timings["render+write"] = time.perf_counter() - started
    return BuildResult(paths.output, len(loaded.routes), staging.count, timings)


def load(paths: Paths, options: BuildOptions, errors: ErrorList, timings: dict[str, float]) -> Loaded:
    """Read, convert and link every source; report problems to ``errors`` without writing."""
    started = time.perf_counter()
    config = load_config(paths, errors, options.base_url)
    selection = Selection(options.now or datetime.now(config.timezone), options.drafts, options.future)
    sources = find_sources(paths.content)
    docs = [d for d in (load_document(p, paths.content, config.timezone, errors) for p in sources) if d]
    timings["load"] = time.perf_counter() - started
    rendered = convert_all([d for d in docs if selection.includes(d)])
    timings["markdown"] = time.perf_counter() - started - timings["load"]
    source_rels = {p.relative_to(paths.content).as_posix() for p in sources}
    site = build_site(config, docs, rendered, source_rels, paths.content, selection, errors)
    routes = plan(site)
    files = {**files_under(paths.static, "static/"), **files_under(paths.content / "media", "media/")}
    claims = {rel: ("templates/static/" if rel.startswith("static/") else "content/") + rel for rel in files}
    claims[CODE_CSS] = "the code stylesheet"
    check_collisions(routes, claims, errors)
    return Loaded(config, site, routes, files)


def convert_all(docs: list[Document]) -> dict[str, Rendered]:
    converter = Converter()
    return {d.rel: converter.convert(d.body, d.source_dir, d.body_line) for d in docs}


def _render_all(templates: Templates, routes: list[Route], staging: Staging, errors: ErrorList) -> None:
    """Render every route; a broken template is reported once, not once per page."""
    failed: set[str] = set()
    for route in routes:
        if route.template in failed:
            continue
        try:
            html = templates.render(route.template, {**route.context, "path": route.path})
        except TemplateProblem as problem:
            failed.add(route.template)
            errors.add(problem.path, problem.line, problem.message)
            continue
        staging.write(route.file, html.encode())
