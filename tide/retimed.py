"""Files whose times changed but whose bytes did not: a fresh clone with the cache restored.

Times are how a build knows quickly what changed; a clone gives every file a new time. The
saved graph (``graphstore``) remembers the bytes too (a digest of each source and data file),
so a build that finds new times reads those files once, and when the bytes are the graph's,
takes the graph as it would after an edit of nothing: a scheduled publishing run on CI, with
``.cache/`` and ``site/`` restored, draws nothing, costing the time to hash the content.
"""

from __future__ import annotations

from pathlib import Path

from . import graphstore
from .assets import Assets
from .bodyedit import LastBuild
from .config import SiteConfig
from .freshness import Stamps, trusted_mtime
from .images import ImageLibrary, content_hash
from .site import Entry
from .store import Cache, GraphRef, digest


def data_hashes(content: Path, files: dict[str, tuple[int, int]], known: dict[str, tuple[int, int, str]]) -> dict[str, tuple[int, int, str]]:
    """Each data file (content/ without the sources) with its content hash (the picture library's:
    ``known`` holds its hashes of the pictures, so they are not read twice), read only when its
    time or size is not what ``known`` says (or was too fresh to trust)."""
    found = {}
    for rel, (mtime, size) in files.items():
        seen = known.get(rel)
        if seen is not None and seen[0] == mtime and seen[0] >= 0 and seen[1] == size:
            found[rel] = seen
        else:
            found[rel] = (trusted_mtime(mtime), size, content_hash((content / rel).read_bytes()))
    return found


def same_data(content: Path, ref: GraphRef, files: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int, str]] | None:
    """The data files with their digests when they hold the graph's bytes (under any times); else None."""
    if not ref.data_files or files.keys() != ref.data_files.keys():
        return None
    now = data_hashes(content, files, ref.data_files)
    return now if all(now[rel][2] == ref.data_files[rel][2] for rel in now) else None


def really_changed(content: Path, ref: GraphRef, changed: set[str], now: dict[str, tuple[int, int]]) -> set[str]:
    """Of the sources whose time or size moved, those whose bytes did too; the others get their
    new times in ``ref`` (so that the next build does not read them again)."""
    moved = set()
    for rel in changed:
        known = ref.hashes.get(rel)
        if known is not None and digest((content / rel).read_bytes()) == known:
            mtime, size = now[rel]
            ref.sources[rel] = (trusted_mtime(mtime), size)
        else:
            moved.add(rel)
    return moved


SAVED_GRAPH_MAX_CHANGES = 200  # sources; beyond this many, linking the site again costs less than editing the saved graph


def saved_graph(cache: Cache, content: Path, config: SiteConfig, config_key: str, stamps: Stamps) -> tuple[graphstore.Saved, set[str]] | None:
    """The saved graph and the sources changed since, when it still stands: the settings, data
    and media as it was built (or their times new and their bytes the same) and at most a few
    article and page sources changed (their bodies alone, ``LastBuild.applies`` checks next)."""
    ref = cache.state.graph
    if not (cache.persistent and ref and ref.config == digest(config_key.encode()) and stamps.data):
        return None
    retimed_data = None
    if stamps.data != ref.data_stamp:  # new times; the same bytes (a fresh clone) will do
        retimed_data = same_data(content, ref, stamps.data_files)
        if retimed_data is None:
            return None
    if not cache.bodies_intact() or cache.bodies.count() < cache.state.bodies:
        return None  # its entries' bodies are gone, or some of them: a full build finds which (``compile.bodies_lost``)
    before, now = ref.sources, stamps.sources
    if before.keys() != now.keys():
        return None  # a source added or removed changes the graph's shape: link the site again
    changed = {rel for rel, stamp in now.items() if before[rel] != stamp}
    # (None changed at all: the last build's stamp was too fresh to trust, and the graph stands.)
    changed = really_changed(content, ref, changed, now)  # (touched, or cloned, is not changed)
    if len(changed) > SAVED_GRAPH_MAX_CHANGES:
        return None
    saved = graphstore.load(cache, config, config_key)
    if saved is None:
        return None
    if retimed_data is not None:
        ref.data_stamp = saved.last.data_stamp = stamps.data
        ref.data_files = retimed_data
    return saved, changed


def save_graph(
    cache: Cache, last: LastBuild | None, saved: graphstore.Saved | None, assets: Assets, edited: tuple[list[Entry], set[str]] | None,
    theme: bool, data_files: dict[str, tuple[int, int]] | None, content: Path, images: ImageLibrary,
) -> graphstore.Saved | None:  # fmt: skip
    """Save the last build's graph for the next command-line build: the rows of the entries a
    body-edit build changed (or a theme build's theme files) when the saved graph is this one,
    else the whole graph (returned: the graph the cache now holds). ``data_files``: content/'s
    data files as the build statted them (None: a preview's rebuild, which does not stat them)."""
    index = cache.index
    if last is None:
        cache.state.graph = None  # the records moved on without a graph
        return None
    if edited is not None and saved is not None and saved.last is last:
        touched, looked_at = edited
        sources = {rel: (index[rel].mtime_ns, index[rel].size) for rel in looked_at if rel in index}
        if graphstore.save_edits(cache, saved, touched, sources, assets if theme else None):
            ref = cache.state.graph
            assert ref is not None  # (save_edits succeeded on it)
            ref.hashes.update({rel: index[rel].text_hash for rel in looked_at if rel in index})
            return None
    known = cache.state.graph.data_files if cache.state.graph else {}
    made = graphstore.save(cache, last, assets, {rel: (r.mtime_ns, r.size) for rel, r in index.items()})
    ref = cache.state.graph
    assert ref is not None  # (graphstore.save sets it)
    ref.hashes = {rel: r.text_hash for rel, r in index.items()}
    if data_files is not None:
        ref.data_files = data_hashes(content, data_files, {**images.content_hashes(), **known})
    return made
