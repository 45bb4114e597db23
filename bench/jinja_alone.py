#!/usr/bin/env python3
"""The floor under drawing: every page of a built project rendered by Jinja2 alone, from plain
objects, on every core, and nothing else (no tracking, no signatures, no block taps, no output).

    .venv/bin/python bench/jinja_alone.py PROJECT_ROOT

The theme's own environment (``tide.templates.Templates``, settings, filters, ``fragment``) is
used with no tracker: then its attribute lookup costs what Jinja's own does (measured: the same
time). The project must have been built once (its cache is warm): the site graph comes from
``Builder.survey``, and every value the templates are handed is copied first, outside the timing,
into plain ``SimpleNamespace`` objects with every field and property worked out (a body's links
resolved, a term's articles listed). Not dicts: Jinja looks ``x.name`` up as an attribute first,
and on a dict each such lookup fails before the item is found, which would make the floor slower
than it is (and ``pager.items`` would be the dict method). The theme's helpers (``asset``,
``image``, ``url`` ...) are ours and are part of what a page costs, so they stay.

Prints ``rendered N pages in S s`` (wall, all cores); ``bench/build_speed.py`` shows it as a row
beside the builds' draw laps.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tide.compile import worker_gc  # noqa: E402  (after the path is set)

_PLAIN = (str, int, float, bool, type(None))
_JOB: tuple[Any, list[tuple[str, dict[str, Any]]]] | None = None  # (environment, pages): inherited by forked workers


class Plain:
    """Copies values into plain objects: every engine object becomes a SimpleNamespace of its
    fields and properties, once (entries point at each other: older, related, a term's members),
    filled from a worklist rather than by recursion (a chain of 10,000 older articles)."""

    def __init__(self) -> None:
        self.seen: dict[int, Any] = {}
        self.todo: list[tuple[Any, SimpleNamespace]] = []

    def __call__(self, value: Any) -> Any:
        found = self._shallow(value)
        while self.todo:
            self._fill(*self.todo.pop())
        return found

    def _shallow(self, value: Any) -> Any:
        if isinstance(value, _PLAIN) or isinstance(value, tuple) and hasattr(value, "_fields"):  # (headings: named tuples)
            return value
        if id(value) in self.seen:
            return self.seen[id(value)]
        if isinstance(value, dict):
            return {k: self._shallow(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._shallow(v) for v in value]
        if type(value).__module__.startswith("tide."):  # an engine object (entries, terms, pagers, routes ...)
            out = self.seen[id(value)] = SimpleNamespace()
            self.seen[id(out)] = out
            self.todo.append((value, out))
            return out
        return value

    def _fill(self, value: Any, out: SimpleNamespace) -> None:
        names = {f.name for f in dataclasses.fields(value)} if dataclasses.is_dataclass(value) else set(getattr(value, "__dict__", {}))
        names |= {n for klass in type(value).__mro__ for n, v in vars(klass).items() if isinstance(v, property)}
        for name in sorted(names - {"tracker", "bodies", "_site", "links"}):
            try:
                setattr(out, name, self._shallow(getattr(value, name)))
            except Exception:  # noqa: BLE001  a property that needs what was left out: templates do not read it
                continue
        doc = getattr(value, "doc", None)
        if doc is not None:  # an entry: its front-matter fields read straight through, as Entry.__getattr__ does
            for f in dataclasses.fields(doc):
                if not hasattr(out, f.name):
                    setattr(out, f.name, self._shallow(getattr(doc, f.name)))


def _render_slice(bounds: tuple[int, int]) -> int:
    assert _JOB is not None
    env, pages = _JOB
    worker_gc()  # as the build's workers collect: its own garbage, not the copies made before the clock started
    for name, context in pages[bounds[0] : bounds[1]]:
        env.get_template(name).render(context).encode()
    return bounds[1] - bounds[0]


def main() -> int:
    global _JOB
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from tide.assets import collect
    from tide.config import BuildOptions, Paths
    from tide.pipeline import Builder
    from tide.rendered import code_stylesheet
    from tide.templates import Templates, build_helpers

    root = args.root.resolve()
    paths = Paths(root, root / "site")
    with Builder(paths, BuildOptions()) as builder:
        survey = builder.survey()
    site, config = survey.site, survey.config
    templates = Templates(paths.templates, config, {})  # the theme's environment and helpers, with no tracker: nothing noted
    plain = Plain()
    assets = collect(paths.static, {"code.css": code_stylesheet()}, True)
    view = plain({k: v for k, v in vars(_site_view(site)).items() if k != "_site"})
    templates.set_globals(site=SimpleNamespace(**view), data=config.data, **build_helpers(site, assets))
    env = templates.env
    pages = [(r.template, {**plain(r.context), "path": r.path}) for r in survey.routes]
    for name in {name for name, _ in pages}:
        env.get_template(name)  # compiled before the clock starts, as a build's bytecode cache has them
    _JOB = (env, pages)
    done, seconds = on_every_core(_render_slice, len(pages), args.jobs)
    print(f"rendered {done} pages in {seconds:.2f} s")
    return 0


def on_every_core(work: Callable[[tuple[int, int]], int], count: int, jobs: int) -> tuple[int, float]:
    """Run ``work`` on slices of ``range(count)`` in ``jobs`` forked workers (they inherit what it
    reads); (the sum of what it returned, wall seconds)."""
    jobs = max(1, jobs)
    step = max(1, count // (jobs * 8))
    slices = [(i, min(count, i + step)) for i in range(0, count, step)]
    started = time.perf_counter()
    if jobs > 1:
        with get_context("fork").Pool(jobs) as pool:
            done = sum(pool.imap_unordered(work, slices))
    else:
        done = sum(map(work, slices))
    return done, time.perf_counter() - started


def _site_view(site: Any) -> Any:
    """What templates see as ``site``, with its collections as attributes (``SiteView`` looks them up on use)."""
    from tide.site import SiteView

    view = SiteView(site)
    for name in (*SiteView.COLLECTIONS, "now"):
        setattr(view, name, getattr(view, name))
    return view


if __name__ == "__main__":
    sys.exit(main())
