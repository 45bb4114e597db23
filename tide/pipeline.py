"""build(paths, options) -> BuildResult: load and check everything, then draw only what changed.

The Builder keeps its cache between builds, so the preview server reuses one and each edit
costs what it touches. A first build (or ``--no-cache``) draws every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import draw, graphstore, retimed
from .assets import Assets, collect
from .bodyedit import LastBuild, apply_body_edits, clock_moved
from .compile import hinted_sources, refresh_index
from .config import BuildOptions, Paths, SiteConfig, load_config
from .content import Document
from .deps import Signatures, TemplateDigests, annotate, h
from .errors import BuildError, BuildFailed, ErrorList
from .freshness import Stamps, input_stamps, theme_digest, up_to_date
from .images import ImageLibrary
from .output import Writer
from .processes import Laps, collector_paused
from .rendered import Rendered, code_stylesheet
from .routes import Route, any_collision, check_collisions, lost_urls, plan
from .site import Entry, Selection, Site, SiteView, build_site, next_change
from .store import Cache, OutputRecord
from .templates import Templates, build_helpers, compiled_settings


@dataclass(slots=True)
class BuildResult:
    output: Path
    pages: int  # outputs the site has
    written: list[str] = field(default_factory=list)  # files written (changed bytes only)
    deleted: list[str] = field(default_factory=list)
    compiled: int = 0  # sources converted (not taken from the cache)
    images: int = 0  # images opened and resized (not taken from the cache)
    rendered: int = 0  # pages drawn (not skipped by their signature)
    reused: int = 0  # of those, pages whose blocks were taken from their last drawing (only a layout changed)
    path: str = "full"  # "up to date", "bodies" (only bodies changed: the last graph reused), "theme" (the same, with a changed theme) or "full"
    warnings: list[BuildError] = field(default_factory=list)  # worth fixing, not worth failing the build
    next_change: datetime | None = None  # when the clock alone next changes the site
    timings: dict[str, float] = field(default_factory=dict)
    templates: dict[str, list[float]] = field(default_factory=dict)  # page template -> [pages drawn, seconds drawing them]


@dataclass(slots=True)
class Survey:
    """A site as a build would see it, undrawn (``Builder.survey``)."""

    config: SiteConfig
    site: Site
    routes: list[Route]
    sources: dict[str, tuple[Document, Rendered]]  # every compiled source by its path in content/, drafts and future ones too
    hashes: dict[str, str]  # each of those sources: the hash of its file's bytes
    errors: list[BuildError]
    warnings: list[BuildError]


def build(paths: Paths, options: BuildOptions, stamps: Stamps | None = None, cache: Cache | None = None) -> BuildResult:
    """Build the site into ``paths.output``; raise BuildFailed listing every problem.

    ``stamps``, ``cache``: the input stamps and the opened cache, when the caller has just made
    them (``freshness.quick_check``).
    """
    with Builder(paths, options, cache) as builder:
        return builder.build(stamps=stamps)


class Builder:
    def __init__(self, paths: Paths, options: BuildOptions, cache: Cache | None = None) -> None:
        self.paths, self.options = paths, options
        self.cache = cache or Cache(paths.root / ".cache" if options.use_cache else None, paths.output)
        self.images = ImageLibrary(self.cache.folder)
        self._assets = Assets()  # the theme files of the last build, for body-only edits
        self._templates: tuple[str, Templates] | None = None  # kept while the settings stay the same
        self.urls: dict[str, str] = {}  # source path -> URL path, as of the last build
        self.last: LastBuild | None = None  # the last good build's graph, for edits of bodies alone
        self._saved: graphstore.Saved | None = None  # that graph as the cache holds it, when it does
        self._graphs: list[graphstore.GraphFile] = []  # every graph file opened, closed by ``close``
        self._data_files: dict[str, tuple[int, int]] | None = None  # content/'s data files as this build statted them
        self.autosave = True  # the preview turns this off after its first build and saves on exit
        self.search_later = False  # the preview: the search index is made when a search asks for it (index_search)
        self.search_stale = False  # a build left the search index behind the pages
        self.keep_graph = False  # the preview: a first build with nothing to do still takes up the site graph (what pages show is asked of it)

    def close(self) -> None:
        """Close the cache's files (every caller does, when its last build is done)."""
        for graph in self._graphs:
            graph.close()
        self.cache.close()

    def __enter__(self) -> Builder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def build(self, now: datetime | None = None, stamps: Stamps | None = None, hint: set[str] | None = None) -> BuildResult:
        """``hint``: the paths a file watcher saw change since the last build (the preview's). When
        they are all article or page sources, only those are looked at: at 10,000 articles, walking
        and statting every file was most of an edit's cost."""
        with collector_paused():
            return self._build(now, stamps, hint)

    def _build(self, now: datetime | None, stamps: Stamps | None, hint: set[str] | None) -> BuildResult:
        clock = Laps()
        only = hinted_sources(self.paths.content, hint)
        if only is not None and self.last is not None:  # nothing but these sources changed: the rest of the stamp stands
            stamps = None
            stamp, data_stamp, theme = "", self.last.data_stamp, self.last.theme  # "" = not known: the next command-line build checks every file
        else:
            only = None
            stamps = stamps or input_stamps(self.paths, self.cache.engine, self.options)
            stamp, data_stamp, theme = stamps.all, stamps.data, ""
        self._data_files = stamps.data_files if stamps is not None else None
        moment = now or self.options.now or datetime.now().astimezone()
        if up_to_date(self.cache, self.paths, stamp, moment) and not (self.keep_graph and self.last is None):
            clock.lap("check")
            return BuildResult(self.paths.output, self.cache.state.outputs, path="up to date", timings=clock.laps)
        theme = theme or theme_digest(self.paths.templates)
        errors = ErrorList(self.paths.root)
        config = load_config(self.paths, errors, self.options.base_url)
        config_key = repr(config)  # the settings and data, as one value to compare with the last build's
        selection = Selection(moment, self.options.drafts, self.options.future)
        since_saved = self._load_saved_graph(config, config_key, stamps, theme) if stamps is not None and self.last is None else None
        known = len(errors.errors)
        compiled_count, changed = refresh_index(
            self.cache, self.paths.content, self.paths.root, config, errors, self.options.jobs, only if since_saved is None else since_saved
        )
        changed |= since_saved or set()  # changed since the saved graph was built, whenever the index learnt it
        clock.lap("load")
        last, self.last = self.last, None  # taken: a failed build must not leave a half-updated graph
        state = self.cache.state
        in_time = state.next_change is None or moment < state.next_change
        in_place = self.paths.output.is_dir()  # (an output deleted by hand is made again in full)
        if last and not errors and in_time and in_place and last.applies(config_key, data_stamp, changed, self.cache.index):
            return self._on_last_graph(last, config, changed, theme, stamp, compiled_count, errors, clock, moment)
        if only is not None or since_saved is not None:  # the last graph will not do, and only some sources were looked at:
            del errors.errors[known:]  # look at all (an index shard the cache could not read would leave sources out)
            compiled_count += refresh_index(self.cache, self.paths.content, self.paths.root, config, errors, self.options.jobs)[0]
        site, routes, files, assets = self._whole_site(config, selection, errors)
        clock.lap("site")
        if errors:
            if self.autosave:
                self.cache.save(outputs_too=False)
            errors.raise_if_any()
        gone = lost_urls(self.cache.published, site, routes)
        result = self._write(config, site, routes, files, assets, errors, clock)
        result.warnings, result.images = errors.warnings + gone, site.media.processed
        self._assets = assets
        self.cache.published = {e.url: e.doc.rel for e in site.articles + site.pages if not e.unpublished}
        self.cache.state.next_change = next_change(self.cache.index.values(), site, selection)
        self.last = LastBuild.of(config_key, data_stamp, theme, site, routes, self.cache.index)
        self._finish(stamp, result, compiled_count)
        return result

    def _whole_site(self, config: SiteConfig, selection: Selection, errors: ErrorList) -> tuple[Site, list[Route], dict[str, Path], Assets]:
        """The site graph linked anew from the compiled sources, its routes, the files it copies,
        the theme's files; collisions between them reported."""
        covers = {r.doc.cover for r in self.cache.index.values() if r.doc and r.doc.cover}
        media = self.images.refresh(self.paths.content / "media", covers, self.options.jobs)
        site = build_site(config, self._compiled(), set(self.cache.index), self.paths.content, selection, self.cache.bodies, media, errors, self.cache.related)
        self.urls = {e.doc.rel: e.url for e in site.articles + site.pages}
        routes = plan(site)
        assets = collect(self.paths.static, {"code.css": code_stylesheet()}, self.options.fingerprint)
        files = {**media.files, **media.outputs}
        claims = {**{rel: f"content/{rel}" for rel in files}, **{rel: f"a picture made from content/{rel}" for rel in media.outputs}, **assets.sources}
        check_collisions(routes, claims, errors)
        return site, routes, files, assets

    def survey(self, now: datetime | None = None) -> Survey:
        """Everything a build checks, without drawing or writing a page (``build.py check``): the
        site graph as a build would link it, every source as compiled, every problem."""
        with collector_paused():
            errors = ErrorList(self.paths.root)
            config = load_config(self.paths, errors, self.options.base_url)
            selection = Selection(now or self.options.now or datetime.now().astimezone(), self.options.drafts, self.options.future)
            refresh_index(self.cache, self.paths.content, self.paths.root, config, errors, self.options.jobs)
            site, routes, _, _ = self._whole_site(config, selection, errors)
            warnings = errors.warnings + lost_urls(self.cache.published, site, routes)
            if self.cache.persistent:  # (what was converted is kept for the next check or build)
                self.cache.save(outputs_too=False)
                self.images.save()
            compiled = self._compiled()
            sources = {rel: (doc, rendered) for rel, (doc, rendered, _) in compiled.items()}
            return Survey(config, site, routes, sources, {rel: text_hash for rel, (_, _, text_hash) in compiled.items()}, errors.errors, warnings)

    def _on_last_graph(
        self, last: LastBuild, config: SiteConfig, changed: set[str], theme: str, stamp: str, compiled: int, errors: ErrorList, clock: Laps, moment: datetime,
    ) -> BuildResult:  # fmt: skip
        """The graph stands (``LastBuild.applies``): refresh the entries whose bodies changed and look
        again at the pages that show them; when the theme changed, at every page (most then keep
        their bytes or, when only their layout changed, their blocks: ``layouts``)."""
        again, touched = apply_body_edits(last, changed, self.cache.index, config, self.paths.content, self.cache.records, errors)
        again |= clock_moved(last, moment, self.cache.records)
        assets, theme_was = self._assets, None
        if theme != last.theme:
            assets, theme_was = collect(self.paths.static, {"code.css": code_stylesheet()}, self.options.fingerprint), self._assets
            if any_collision(last.files, assets.sources):  # (then read the routes, to name who collides)
                check_collisions(list(last.routes), assets.sources, errors)
            again = set(range(len(last.routes)))
        clock.lap("site")
        errors.raise_if_any()
        result = self._write(config, last.site, last.routes, {}, assets, errors, clock, again, last.by_rel, theme_was, edited=touched)
        result.path, result.warnings = "theme" if theme_was is not None else "bodies", errors.warnings
        last.theme = theme
        self.last, self._assets = last, assets
        self._finish(stamp, result, compiled, (touched, changed), theme=theme_was is not None)
        return result

    def _finish(self, stamp: str, result: BuildResult, compiled: int, edited: tuple[list[Entry], set[str]] | None = None, theme: bool = False) -> None:
        """``edited``: after a body-edit build, the entries it changed and the sources it looked at;
        ``theme``: after a build in which only the theme changed."""
        self.cache.state.stamp = stamp
        result.next_change = self.cache.state.next_change
        if self.autosave:
            self.save(edited, theme)
        result.compiled = compiled

    def save(self, edited: tuple[list[Entry], set[str]] | None = None, theme: bool = False) -> None:
        """Write the cache now (the preview calls this when it stops), with the graph that matches it."""
        if self.cache.persistent:
            self._save_graph(edited, theme)
        self.cache.save(outputs_too=True)
        if self.cache.persistent:
            self.images.save()

    def _save_graph(self, edited: tuple[list[Entry], set[str]] | None, theme: bool) -> None:
        """Save the last build's graph for the next command-line build (``retimed.save_graph``)."""
        data = self._data_files
        saved = retimed.save_graph(self.cache, self.last, self._saved, self._assets, edited, theme, data, self.paths.content, self.images)
        if saved is not None:
            self._keep(saved)

    def _load_saved_graph(self, config: SiteConfig, config_key: str, stamps: Stamps, theme: str) -> set[str] | None:
        """In a new process (a command-line build): take the saved graph when it still stands
        (``retimed.saved_graph``); return the sources changed since it was saved."""
        found = retimed.saved_graph(self.cache, self.paths.content, config, config_key, stamps)
        if found is None:
            return None
        saved, changed = found
        self.last, self._assets = saved.last, saved.assets
        self._keep(saved)
        return changed

    def _keep(self, saved: graphstore.Saved) -> None:
        """Take ``saved`` as the graph the cache holds. The files of earlier ones stay open until
        ``close``: entries of an earlier graph may still be read from it (a replaced file stays
        readable through an open connection)."""
        self._saved = saved
        self._graphs.append(saved.graph)

    def _search(self, site: Site, writer: Writer, edited: list[Entry] | None = None):  # type: ignore[no-untyped-def]
        """A theme with a search page gets the search index: the engine's one call into a tool.
        Its files keep no output records: the index keeps its own account of them (saved once
        the output is committed). The preview makes it when a search asks (``index_search``).
        ``edited``: see ``_write``."""
        if "search.html" not in site.config.theme_has:
            return None
        if self.search_later:
            self.search_stale = True
            return None
        from .search import index_site

        output, cache = None if writer.fresh else self.paths.output, self.cache
        found = index_site(site, cache.output_file("search"), writer.exists, writer.store, writer.note, self.options.jobs, output, edited, engine=cache.engine)
        for rel in sorted(found.gone):
            writer.delete(rel)
        self.search_stale = False
        return found

    def index_search(self) -> None:
        """The preview's: bring the search index up to date with the last good build (only the
        parts whose articles changed are made again)."""
        if self.last is not None and self.search_stale:
            self.search_later = False
            try:
                with Writer(self.paths.output, [self.paths.content, self.paths.templates], fresh=False) as writer:
                    found = self._search(self.last.site, writer)
                    writer.commit()
            finally:
                self.search_later = True
            if found is not None:
                found.save()

    def _templates_for(self, config: SiteConfig) -> Templates:
        """One Jinja environment per settings: compiled templates survive between preview builds."""
        key = repr(config)
        if self._templates is None or self._templates[0] != key:
            self._templates = (key, Templates(self.paths.templates, config, {}, self.cache.compiled_templates(compiled_settings(config))))
        self._templates[1].refresh()
        return self._templates[1]

    def _compiled(self) -> dict[str, tuple]:  # type: ignore[type-arg]
        return {rel: (r.doc, r.rendered, r.text_hash) for rel, r in sorted(self.cache.index.items()) if r.doc and r.rendered}

    @property
    def last_site(self) -> Site | None:
        """The site graph of the last good build (for the tools around the engine; None before
        one, or after a failed one)."""
        return self.last.site if self.last is not None else None

    def compiled(self, rel: str) -> tuple[Document, Rendered] | None:
        """One source as the last build compiled it (for the tools around the engine: the cache stays the engine's)."""
        r = self.cache.index.get(rel)
        return (r.doc, r.rendered) if r and r.doc and r.rendered else None

    def _write(
        self,
        config: SiteConfig,
        site: Site,
        routes: Sequence[Route],
        files: dict[str, Path],
        assets: Assets,
        errors: ErrorList,
        clock: Laps,
        only: set[int] | None = None,
        by_rel: dict[str, Entry] | None = None,
        theme_was: Assets | None = None,
        edited: list[Entry] | None = None,
    ) -> BuildResult:
        """Draw the routes whose signature changed (only those in ``only``, when given) and write.
        ``by_rel``: the site's entries by source path, when known; ``theme_was``: with ``only``,
        the theme files of the last build, to be replaced by ``assets``; ``edited``: with
        ``only``, the entries whose bodies changed since the last build, nothing else about the
        articles having changed (the search index looks at those alone, and at none after a
        theme edit: its 10,000 digests read every entry of a saved graph, 0.2 s)."""
        if only is None:
            annotate(site)
        templates = self._templates_for(config)
        templates.set_globals(site=SiteView(site), data=config.data, **build_helpers(site, assets))
        templates.env.tracker = site.tracker
        base = h(self.cache.engine, repr(config), self.options.drafts, self.options.future)
        signatures = Signatures(site, base, TemplateDigests(templates.env, templates.sources, self.cache.template_facts), assets.urls, by_rel)
        previous = self.cache.records
        records: dict[str, OutputRecord] = {}  # every record (a full build), or those that changed (``only``)
        result = BuildResult(self.paths.output, len(routes))
        with Writer(self.paths.output, [self.paths.content, self.paths.templates], fresh=not self.cache.state.outputs) as writer:
            looked_at = list(range(len(routes))) if only is None else sorted(only)
            if len(looked_at) >= draw.PARALLEL_RENDER_FROM:  # workers may draw: what they all need, worked out once here
                for name in templates.sources:
                    signatures.templates.closure(name)
                    signatures.templates.layering(name)
                previous.read_all()  # (where the records are updated next)
            job = draw.Job(templates, site, signatures, routes, looked_at, previous, writer)
            for file, page in draw.render(job, errors, self.options.jobs):
                if page is None:  # its signature stands
                    if only is None:
                        records[file] = previous[file]
                    continue
                records[file] = page.record
                spent = result.templates.setdefault(page.template, [0, 0.0])
                spent[0] += 1
                spent[1] += page.seconds
                if page.staged:
                    writer.note(file, page.staged)
                result.rendered += 1
                result.reused += page.reused
            clock.lap("draw")
            searched = self._search(site, writer, edited) if edited is None or edited else None
            clock.lap("search")
            if only is None:
                for rel, source in files.items():
                    records[rel] = draw.copy_file(writer, source, rel, previous.get(rel))
            if only is None or theme_was is not None:
                for rel, data in assets.data.items():
                    records[rel] = draw.put_file(writer, rel, data, previous.get(rel))
            gone = set(previous) - set(records) if only is None else set(theme_was.data) - set(assets.data) if theme_was else set()
            for rel in sorted(gone):
                writer.delete(rel)
            if errors:
                if self.autosave:
                    self.cache.save(outputs_too=False)
                errors.raise_if_any()
            result.written, result.deleted = list(writer.written), list(writer.deleted)
            if writer.written or writer.deleted:
                self.cache.mark_dirty()  # before the output moves on: a crash in the commit leaves records that are not trusted
            writer.commit()
        if searched is not None:
            searched.save()
        if only is None:
            self.cache.replace_records(records)
        else:  # everything else is as the last build left it
            previous.update(records)
            for rel in gone:
                if rel in previous:
                    del previous[rel]
        clock.lap("write")
        result.timings = clock.laps
        return result


__all__ = ["BuildFailed", "BuildOptions", "BuildResult", "Builder", "Survey", "build"]
