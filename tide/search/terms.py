"""What the index holds for one text, computed as arrays (a per-character Python loop over
10,000 articles took 27 s; numpy does it in a fraction).

Characters are folded (``fold``), then classed: CJK (Han, kana, Hangul), other letters and
digits ("Latin"), and the rest, which separates words. Keys, with the positions where each
occurs:

- every pair of neighbouring word characters with a CJK one among them (京东, 米s, s店), so
  that any CJK substring of two or more characters, and its joins with Latin words, is found
  exactly by checking that its pairs sit one after another;
- every CJK character alone (only its first position and its count: a one-character query
  needs no more);
- every prefix of every Latin word, up to ``LATIN_MAX`` characters (su7 is found by su and by
  su7, at the word's start).

The browser's client (``client.js``) computes the same keys for a query; ``tests/test_search_*``
hold the two to one another.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import xxhash

from .fold import table

CJK = ((0x3040, 0x30FF), (0x3100, 0x312F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
LATIN_MAX = 64  # a longer Latin word is found by its first 64 characters
OTHER, LATIN, HAN = 0, 1, 2
_SPAN = 0x40000  # code points classed by table; beyond it, everything is OTHER
PAIR, SINGLE, WORD = np.uint64(1 << 62), np.uint64(2 << 62), np.uint64(3 << 62)
_LOW62 = (1 << 62) - 1


@cache
def tables() -> tuple[np.ndarray, np.ndarray]:
    """(fold, classes): code point -> folded code point, folded code point -> class."""
    fold = np.arange(_SPAN + 1, dtype=np.uint32)
    for k, v in table().items():
        if k < _SPAN:
            fold[k] = v
    classes = np.zeros(_SPAN + 1, dtype=np.uint8)
    for cp in range(0x30, _SPAN):
        if unicodedata.category(chr(cp))[0] in "LN":
            classes[cp] = LATIN
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


def word_key(word: str) -> int:
    """The key of a Latin word prefix (already folded)."""
    return int(WORD) | (xxhash.xxh64_intdigest(word.encode("utf-8")) & _LOW62)


@dataclass(slots=True)
class Terms:
    """One text's keys (sorted, distinct), how often each occurs, and its positions: all of
    them, in order, for pairs and words; the first only for single characters."""

    keys: np.ndarray  # uint64
    counts: np.ndarray  # uint32
    positions: np.ndarray  # int32, key after key
    words: dict[int, str]  # Latin prefix key -> the prefix

    def kept(self) -> np.ndarray:
        """How many positions each key keeps."""
        return np.where((self.keys >= SINGLE) & (self.keys < WORD), 1, self.counts).astype(np.int64)


def terms(text: str) -> Terms:
    codes, cls = folded_codes(text)
    word = cls != OTHER
    han = cls == HAN
    c64 = codes.astype(np.uint64)
    at_pair = np.flatnonzero(word[:-1] & word[1:] & (han[:-1] | han[1:]))
    pair_keys = PAIR | (c64[at_pair] << np.uint64(21)) | c64[at_pair + 1]
    at_single = np.flatnonzero(han)
    single_keys = SINGLE | c64[at_single]
    latin = cls == LATIN
    starts = np.flatnonzero(latin & ~np.r_[False, latin[:-1]])
    ends = np.flatnonzero(latin & ~np.r_[latin[1:], False]) + 1
    words: dict[int, str] = {}
    word_keys, word_at = [], []
    if len(starts):
        folded = codes.tobytes().decode("utf-32-le")
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            token = folded[s : min(e, s + LATIN_MAX)]
            for n in range(1, len(token) + 1):
                key = word_key(token[:n])
                words[key] = token[:n]
                word_keys.append(key)
                word_at.append(s)
    keys = np.concatenate([pair_keys, single_keys, np.array(word_keys, dtype=np.uint64)])
    at = np.concatenate([at_pair, at_single, np.array(word_at, dtype=np.int64)]).astype(np.int32)
    order = np.argsort(keys, kind="stable")  # positions stay in order within a key
    keys, at = keys[order], at[order]
    first = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    starts_k = np.flatnonzero(first)
    counts = np.diff(np.r_[starts_k, len(keys)]).astype(np.uint32)
    distinct = keys[starts_k]
    keep = (keys < SINGLE) | (keys >= WORD) | first  # a single character keeps its first position
    return Terms(distinct, counts, at[keep], words)


def key_codes(key: int, words: dict[int, str]) -> list[int]:
    """The characters a key stands for (as the client spells it)."""
    if key >= int(WORD):
        return [ord(c) for c in words[key]]
    if key >= int(SINGLE):
        return [key & 0x1FFFFF]
    return [(key >> 21) & 0x1FFFFF, key & 0x1FFFFF]
