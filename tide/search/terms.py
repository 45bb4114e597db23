"""Characters as the index sees them, as arrays: folded (``fold``), then classed as CJK (Han,
kana, Hangul, bopomofo), other letters and digits ("Latin", Unicode's L and N), or neither,
which separates words. The browser's client classes a query's characters the same way
(``client.js``: the same ranges, Unicode letters and numbers).
"""

from __future__ import annotations

import unicodedata

import numpy as np

from .fold import table

CJK = ((0x3040, 0x30FF), (0x3100, 0x312F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
OTHER, LATIN, HAN = 0, 1, 2
_SPAN = 0x40000  # code points classed by table; beyond it, everything is OTHER


_MADE: list[tuple[np.ndarray, np.ndarray]] = []  # once a process (forked workers inherit them)


def tables() -> tuple[np.ndarray, np.ndarray]:
    """(fold, classes): code point -> folded code point, folded code point -> class."""
    if not _MADE:
        _MADE.append(_tables())
    return _MADE[0]


def use(fold: np.ndarray, classes: np.ndarray) -> None:
    """Take these as the tables (kept from an earlier process: ``tide.search.ready``)."""
    _MADE[:] = [(fold, classes)]


def _tables() -> tuple[np.ndarray, np.ndarray]:
    fold = np.arange(_SPAN + 1, dtype=np.uint32)
    for k, v in table().items():
        if k < _SPAN:
            fold[k] = v
    classes = np.zeros(_SPAN + 1, dtype=np.uint8)
    below = CJK[-1][0]  # (from there to _SPAN every code point is CJK: classed below, not looked up)
    assert CJK[-1][1] == _SPAN - 1, "the last CJK block must end the table"
    kinds = "".join(map(unicodedata.category, map(chr, range(below))))[::2]  # (each category's first letter; in C, not a loop per code point)
    first = np.frombuffer(kinds.encode("ascii"), dtype=np.uint8)
    classes[:below][(first == ord("L")) | (first == ord("N"))] = LATIN
    for lo, hi in CJK:
        classes[lo : hi + 1] = HAN
    classes[_SPAN] = OTHER
    return fold, classes


def folded_codes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(folded code points, their classes) of ``text``."""
    fold, classes = tables()
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    codes = fold[np.minimum(codes, _SPAN)]  # (past the table: one OTHER code, never a word)
    return codes, classes[codes]
