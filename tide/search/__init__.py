"""Search that finds every Chinese word a reader types, from static files.

The build calls ``index_site`` once (the engine's one call into this package); everything else
here is the index's own: text, folding, keys, files, and the browser's client.
"""

from __future__ import annotations

import os

# numpy's OpenBLAS starts a thread pool when imported, and a process with threads never forks
# (tide/processes.py): the build would lose its forked workers. The index does no linear algebra.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import json  # noqa: E402
import unicodedata  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import rjsmin  # noqa: E402
import xxhash  # noqa: E402

from . import terms  # noqa: E402
from .fold import client_table  # noqa: E402
from .index import FOLDER, FORMAT, Files, Note, Source, Store, build  # noqa: E402

__all__ = ["FOLDER", "Files", "index_site"]

CLIENT = Path(__file__).with_name("client.js")


def index_site(
    site: Any,
    state: Path | None,
    standing: Callable[[str], bool],
    store: Store,
    note: Note,
    jobs: int | None = None,
    output: Path | None = None,
    edited: list[Any] | None = None,
    *,
    engine: str,
) -> Files:
    """The index files of ``site``'s articles (drafts and future ones only when the site shows
    them: the preview's). ``state``: the index's account of its files in the cache (saved by
    ``Files.save`` once they are in the output); ``standing(path)``: the output holds that file
    as last written; ``store(path, data)``: into the output, from any process (picklable),
    and ``note(path, where)`` told here of each; ``output``: its folder (files of an index this
    one has no account of are deleted from it); ``edited``: when the build knows it, the only
    articles whose bodies changed since the last build (none added, removed or moved);
    ``engine``: the build cache's key for this code and these libraries (the folding tables kept
    beside ``state`` are taken only under the same key, ``ready``)."""
    articles = site.articles[::-1]  # oldest first
    # What the index holds of an article follows from its file (body_key: the hash of its bytes,
    # front matter too), its address, and the site's authors and timezone (names, dates): one
    # cheap digest each, and the full description only for the parts to be made.
    salt = repr((str(site.config.timezone), site.config.data.get("authors")))

    def digest(e: Any) -> str:
        return xxhash.xxh3_64_hexdigest(f"{e.body_key}|{e.url}|{salt}")

    def digests(saved: list[str]) -> list[str]:
        """Every article's digest; after a body edit, the saved ones with the edited articles'
        made again (reading 10,000 entries of a saved graph cost 0.2 s), when the saved ones
        still fit: as many, and the first and last articles' the same."""
        if edited is not None and len(saved) == len(articles) and articles:
            changed = {id(e) for e in edited}
            ends = [n for n in (0, len(articles) - 1) if id(articles[n]) not in changed]
            if all(saved[n] == digest(articles[n]) for n in ends):
                return [digest(e) if id(e) in changed else old for e, old in zip(articles, saved, strict=True)]
        return [digest(e) for e in articles]

    def describe(n: int) -> Source:
        e = articles[n]
        return Source(e.url, e.title, e.date.date().isoformat() if e.date else "", e.category.name if e.category else "", _labels(e), e.body_key)

    assert site.bodies is not None  # (a built site has its bodies)
    script = ready(state.with_name("search-tables.npz") if state is not None else None, engine)
    return build(digests, describe, site.bodies.get, state, standing, script, store, note, jobs, output)


def _labels(e: Any) -> tuple[str, ...]:
    """What else the article's page shows of it: category, tags, people, a written summary."""
    people = [a.name for a in e.authors] + [e.editor or "", e.reviewer or ""]
    return (e.category.name if e.category else "", *(t.name for t in e.tags), *people, e.doc.summary or "")  # (``e.summary`` is the cut one)


def ready(kept: Path | None, engine: str) -> bytes:
    """The browser's script, with the folding tables (``terms.tables``) made ready in this
    process: read from ``kept`` when it was made under the same ``engine`` key (the build
    cache's: our code, OpenCC's data, numpy) and Unicode version (2 ms), else made (55 ms:
    OpenCC's tables read, every code point classed; a quarter of the index's part of a
    one-article edit) and kept there."""
    key = f"{engine}|{unicodedata.unidata_version}"
    if kept is not None:
        try:
            with np.load(kept) as saved:
                if str(saved["key"]) == key:
                    terms.use(saved["fold"], saved["classes"])
                    return saved["client"].tobytes()  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001  (none yet, or damaged in any way: made again)
            pass
    script = client()
    if kept is not None:
        fold, classes = terms.tables()
        kept.parent.mkdir(parents=True, exist_ok=True)
        temporary = kept.with_name(kept.name + ".tmp")  # (np.savez adds ".npz" to a name without it)
        with temporary.open("wb") as f:
            np.savez(f, key=key, fold=fold, classes=classes, client=np.frombuffer(script, dtype=np.uint8))
        os.replace(temporary, kept)
    return script


@cache
def client() -> bytes:
    """The browser's script, minified, with the folding table and the format built in."""
    source = CLIENT.read_text(encoding="utf-8")
    source = source.replace("/*FOLD*/[]", json.dumps(client_table(), ensure_ascii=False, separators=(",", ":")))
    source = source.replace("/*FORMAT*/0", str(FORMAT))
    return str(rjsmin.jsmin(source)).encode()
