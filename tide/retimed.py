"""Files whose times changed but whose bytes did not: a fresh clone with the cache restored.

Times are how a build knows quickly what changed; a clone gives every file a new time. The
saved graph (``graphstore``) remembers the bytes too (a digest of each source and data file),
so a build that finds new times reads those files once, and when the bytes are the graph's,
takes the graph as it would after an edit of nothing: a scheduled publishing run on CI, with
``.cache/`` and ``site/`` restored, draws nothing, costing the time to hash the content.
"""

from __future__ import annotations

from pathlib import Path

from .freshness import trusted_mtime
from .images import content_hash
from .store import GraphRef, digest


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
