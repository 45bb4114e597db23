"""The site's search index, as files under ``search-index/``, remade only where articles changed.

Articles are numbered oldest first (so a new article takes the next number and older ones keep
theirs) and cut into parts of ``PART`` articles, the newest fewer than ``PART`` into parts of
falling powers of two (``_cuts``: the binary digits of what is left), so that publishing an
article or editing a recent one re-makes a small part (a new article makes a part of one, merged
with its neighbours as they fill up), not the newest 511. Each part's bucket files sit in a folder named
by what the part holds, so an edit rewrites only its own part; each article has a fragment,
``f/<number>.json``, with what its result shows (title, address, date, category, its text for
the excerpt, where its headings start). ``index.json`` lists the parts; ``client.js`` is the browser's side, with the folding
table built in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from .part import encode_part
from .text import searchable

FOLDER = "search-index"
PART = 512  # articles per part: an edit re-indexes this many; a query fetches one bucket per part and key
FORMAT = 3  # bump when the files change shape (the client checks it)


@dataclass(frozen=True, slots=True)
class Source:
    """One article as the index takes it from the site."""

    url: str
    title: str
    date: str
    category: str
    labels: tuple[str, ...]  # category, tags, written summary: matched, not shown in the excerpt
    body_key: str  # the converted body in the build's store


Store = Callable[[str, bytes], Any]  # (path, bytes) -> where they went; picklable: worker processes store what they make
Note = Callable[[str, Any], None]  # (path, where a Store put it): told in this process


@dataclass(slots=True)
class Files:
    written: set[str] = field(default_factory=set)  # stored and noted
    kept: set[str] = field(default_factory=set)  # standing as the last build wrote them
    gone: set[str] = field(default_factory=set)  # written by an earlier build, no longer part of the index: to delete
    state: dict = field(default_factory=dict)  # type: ignore[type-arg]
    state_file: Path | None = None
    store: Store | None = None
    note: Note | None = None

    def put(self, rel: str, data: bytes) -> None:
        assert self.store is not None
        self.noted(rel, self.store(rel, data))

    def noted(self, rel: str, where: Any) -> None:
        if self.note is not None:
            self.note(rel, where)
        self.written.add(rel)

    def save(self) -> None:
        """Keep the account of these files, once the output holds them (before, a failed build
        would leave an account of files that were never written)."""
        _write_state(self.state_file, self.state)


@dataclass(slots=True)
class _Part:
    name: str
    count: int  # articles
    first: int  # the number of its first article


def build(
    digests: Callable[[list[str]], Sequence[str]],
    describe: Callable[[int], Source],
    body: Callable[[str], str],
    state_file: Path | None,
    standing: Callable[[str], bool],
    client: bytes,
    store: Store,
    note: Note | None = None,
    jobs: int | None = None,
    output: Path | None = None,
) -> Files:
    """Write every file of the index that the output does not hold already, as each part is made
    (at 10,000 articles the whole index is 200 MB: never held at once). ``digests(saved)``: what
    each article is (anything that changes what the index holds of it changes its digest), oldest
    first, given those the last build saved (empty when none: after a body edit most still hold);
    ``describe(n)``: article n, asked only for the parts to be made; ``body(key)``: a converted
    body; ``standing(path)``: whether the output holds that file as the last build wrote it;
    ``store``, ``note``: a file's bytes stored (by the worker that made them) and where they went
    told here; ``output``: the output folder, looked through for files of an index this one has
    no account of (a cache cleared, a new format) to delete them."""
    state = _read_state(state_file)
    current = digests(state["digests"])
    if output is not None:  # (the output as it stands: a folder listed once, not 35,000 files statted)
        standing = _Listing(output, standing)
    before = _owned(state)
    parts = [_part(current, first, size) for first, size in _cuts(len(current))]
    files = Files(store=store, note=note)
    todo = []
    for part in parts:
        known = state["parts"].get(part.name)
        owned = _part_files(part, known["files"]) if known else []
        if known and all(standing(p) for p in owned):
            files.kept.update(owned)
        else:
            todo.append(part)
    for part, (buckets, made, fragments) in zip(todo, _made(todo, describe, body, jobs, store, state["files"], standing), strict=True):
        state["parts"][part.name] = {"buckets": buckets, "files": sorted(made)}
        for stem, where in made.items():
            files.noted(_bucket_file(part.name, stem), where)
        for n, (digest, where) in enumerate(fragments, part.first):
            if where is None:
                files.kept.add(_fragment(n))
            else:
                files.noted(_fragment(n), where)
                state["files"][_fragment(n)] = digest
    manifest = {
        "format": FORMAT,
        "articles": len(current),
        "parts": [[p.name, p.count, state["parts"][p.name]["buckets"]] for p in parts],
    }
    _file(files, state, standing, f"{FOLDER}/index.json", json.dumps(manifest, separators=(",", ":")).encode())
    _file(files, state, standing, f"{FOLDER}/client.js", client)
    now_owned = files.kept | files.written
    files.gone = {rel for rel in before - now_owned if standing(rel)}
    if not before and output is not None and (output / FOLDER).is_dir():  # (no account: the last index's files are found on disk)
        files.gone |= {f"{FOLDER}/{p.relative_to(output / FOLDER).as_posix()}" for p in (output / FOLDER).rglob("*") if p.is_file()} - now_owned
    state["parts"] = {p.name: state["parts"][p.name] for p in parts}  # (forget parts no longer used)
    state["files"] = {rel: v for rel, v in state["files"].items() if rel in now_owned}
    state["digests"] = list(current)
    files.state, files.state_file = state, state_file
    return files


class _Listing:
    """``standing`` answered from one listing of each folder asked about (files of the index only;
    anything else is asked of ``standing`` itself)."""

    def __init__(self, output: Path, standing: Callable[[str], bool]) -> None:
        self.output, self.standing = output, standing
        self.folders: dict[str, set[str]] = {}

    def __call__(self, rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        if not folder.startswith(FOLDER):
            return self.standing(rel)
        names = self.folders.get(folder)
        if names is None:
            try:
                names = {e.name for e in os.scandir(self.output / folder) if e.is_file()}
            except OSError:
                names = set()
            self.folders[folder] = names
        return name in names


def _owned(state: dict) -> set[str]:  # type: ignore[type-arg]
    """Every file an account says its index wrote: its parts' files, and the single files."""
    parts = {_bucket_file(name, stem) for name, part in state["parts"].items() for stem in part["files"]}
    return parts | set(state["files"])


def _file(files: Files, state: dict, standing: Callable[[str], bool], rel: str, data: bytes) -> None:  # type: ignore[type-arg]
    """Put one file unless the output holds these bytes already (as the account says)."""
    digest = xxhash.xxh3_64_hexdigest(data)
    if state["files"].get(rel) == digest and standing(rel):
        files.kept.add(rel)
    else:
        files.put(rel, data)
        state["files"][rel] = digest


def _cuts(count: int) -> list[tuple[int, int]]:
    """(first article, how many) of each part: whole parts of ``PART`` from the oldest, then the
    rest in parts of falling powers of two (at most PART's bits more parts for a query to ask)."""
    whole = count - count % PART
    cuts = [(first, PART) for first in range(0, whole, PART)]
    first, left = whole, count - whole
    while left:
        size = 1 << (left.bit_length() - 1)
        cuts.append((first, size))
        first, left = first + size, left - size
    return cuts


def _part(digests: Sequence[str], first: int, size: int) -> _Part:
    chunk = digests[first : first + size]
    name = xxhash.xxh3_64_hexdigest(f"{FORMAT}|{PART}|{first}|" + "|".join(chunk))[:12]
    return _Part(name, len(chunk), first)


def _part_files(part: _Part, stems: list[str]) -> list[str]:
    return [_bucket_file(part.name, stem) for stem in stems] + [_fragment(n) for n in range(part.first, part.first + part.count)]


def _bucket_file(part: str, stem: str) -> str:
    return f"{FOLDER}/p/{part}/{stem}.bin"


def _fragment(n: int) -> str:
    return f"{FOLDER}/f/{n}.json"


def _made(  # type: ignore[no-untyped-def]
    todo: list[_Part],
    describe: Callable[[int], Source],
    body: Callable[[str], str],
    jobs: int | None,
    store: Store,
    digests: dict[str, str],
    standing: Callable[[str], bool],
):
    """Each part's (bucket count, where its bucket files went, and for each fragment its digest
    and where it went: None when the output holds it already), in order, on every core when there
    are several. The files are stored by the process that made them (a parent writing 35,000
    files took as long as the two workers encoding them). A part's articles are described and
    their bodies read when it is handed out, and only a few parts are out at once."""

    def work(part: _Part) -> tuple[str, list[Source], dict[int, str], Store, Callable[[str], str]]:
        chunk = [describe(n) for n in range(part.first, part.first + part.count)]
        held = {n: digests[rel] for n in range(part.first, part.first + part.count) if (rel := _fragment(n)) in digests and standing(rel)}
        return part.name, chunk, held, store, body

    jobs = jobs or os.cpu_count() or 1
    if len(todo) < 2 or jobs == 1:
        for part in todo:
            yield make_part(*work(part), first=part.first)
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    from ..processes import pool_context
    from .terms import tables

    tables()  # (made once here, where forked workers inherit it, not once in each)
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=pool_context()) as pool:
        pending: deque = deque()  # type: ignore[type-arg]
        for part in todo:
            pending.append(pool.submit(make_part, *work(part), first=part.first))
            if len(pending) > jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def make_part(
    name: str, articles: list[Source], held: dict[int, str], store: Store, body: Callable[[str], str], first: int = 0
) -> tuple[int, dict[str, Any], list[tuple[str, Any]]]:
    """Part ``name``'s files made and stored: (bucket count, bucket file stem -> where it went,
    per article (fragment digest, where it went or None when ``held`` says the output has it)).
    The bodies are read here (``body``: picklable, read in the worker: the parent sent 100 MB
    of them to the workers at 10,000 articles)."""
    texts, fragments, titles = [], [], []
    for n, source in enumerate(articles, first):
        text = searchable(source.title, list(source.labels), body(source.body_key))
        texts.append(text.text)
        titles.append(len(source.title))
        fragment = {
            "url": source.url,
            "title": source.title,
            "date": source.date,
            "category": source.category,
            "body": text.body_start,
            "headings": text.headings,
            "text": text.text,
        }
        data = json.dumps(fragment, ensure_ascii=False, separators=(",", ":")).encode()
        digest = xxhash.xxh3_64_hexdigest(data)
        fragments.append((digest, None if held.get(n) == digest else store(_fragment(n), data)))  # (mostly the same article, in a part that changed around it)
    buckets, made = encode_part(texts, titles)
    stored = {stem: store(_bucket_file(name, stem), data) for stem, data in made.items()}
    if hasattr(store, "flush"):
        store.flush()  # (a pool worker may be ended without closing anything)
    return buckets, stored, fragments


def _read_state(path: Path | None) -> dict:  # type: ignore[type-arg]
    if path is not None:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            if state.get("format") == FORMAT and isinstance(state.get("parts"), dict) and isinstance(state.get("files"), dict):
                if not isinstance(state.get("digests"), list):
                    state["digests"] = []
                return state  # type: ignore[no-any-return]
        except (OSError, ValueError):
            pass  # (no state, or a damaged one: everything is made again)
    return {"format": FORMAT, "parts": {}, "files": {}, "digests": []}


def _write_state(path: Path | None, state: dict) -> None:  # type: ignore[type-arg]
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)
