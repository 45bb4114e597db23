"""A part's articles -> its bucket files, as whole arrays (no Python loop per character, key or
posting: a per-character loop over 10,000 articles took 27 s).

The texts are joined, folded and classed (``terms``), and three kinds of key are taken:

- a *pair*: two neighbouring word characters (京东, 米s, s店, su, u7), and a Latin word's start
  (its first character after a 0: "a word starts with s"), with every position it occurs at, so
  that any term is checked exactly by its pairs sitting one after another;
- a *single*: one CJK character, with how often it occurs (a one-character query needs no more);
- a *title pair*: a pair inside the title (a match in the title ranks first).

A key goes to bucket ``32-bit FNV-1a of its characters % buckets`` (``_fnv``); the browser hashes a query's keys the
same way and fetches only their buckets. Occurrences are ordered by one ``np.sort`` of 64-bit
values holding bucket, key, document and position (numpy sorts plain integers many times faster
than it argsorts them). A bucket file is varints:

    keys
    per key:   kind (0 pair, 1 single, 2 title pair), its characters (two; one for a single),
               documents
    per document:  document - previous document, count, then for a pair its positions (the
               first, then each minus the one before)

A key with more than ``HEAVY_BYTES`` in the part (a common word) is written to a file of its own,
``<bucket>-<n>`` (n counts such keys in that bucket, in order), in the same form, and the bucket
keeps a stub: kind + 4, its characters, 0 documents. A query for a rare word then fetches a small
bucket, and one for a common word that bucket plus the word's own file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import varint
from .terms import HAN, LATIN, OTHER, folded_codes

BUCKET_BYTES = 8192  # about what one fetch brings
HEAVY_BYTES = 2048  # a key with more than this in a part has a file of its own: common words would swell every bucket they share
ELSEWHERE = 4  # added to a key's kind in a bucket: its postings are in the bucket's next ``b-n`` file
FNV_START, FNV_PRIME, MASK32 = 2166136261, 16777619, 0xFFFFFFFF
PAIR, SINGLE, TITLE = 0, 1, 2
_BUCKET_BITS, _CHAR_BITS = 11, 15  # a key's bucket; at most this many bits for a character (dense numbers)

Array = NDArray[Any]


def _fnv(h: Array | int, c: Array) -> Array:
    out: Array = c.astype(np.uint64)  # (one new array, then worked on in place)
    out ^= h if isinstance(h, np.ndarray) else np.uint64(h)
    out *= np.uint64(FNV_PRIME)
    out &= np.uint64(MASK32)
    return out


def bucket_count(estimated_bytes: int) -> int:
    """A power of two near ``estimated_bytes / BUCKET_BYTES``, at most 2**11."""
    n = 1
    while n * BUCKET_BYTES < estimated_bytes and n < 1 << _BUCKET_BITS:
        n *= 2
    return n


def encode_part(texts: list[str], title_lengths: list[int]) -> tuple[int, dict[str, bytes]]:
    """(how many buckets, every file by name: buckets ``0``.., heavy keys ``b-n``) of these
    articles (numbered 0.. in ``texts`` order). Arrays are 32-bit
    where they can be, and each pass's temporaries go before the next: a part's peak memory is
    a few times its text."""
    joined = "\n".join(texts)  # (a line break is no word character: no pair spans two texts)
    codes, classes = folded_codes(joined)
    del joined
    sizes = np.array([len(t) + 1 for t in texts], dtype=np.int32)
    begins = (np.cumsum(sizes, dtype=np.int32) - sizes).astype(np.int32)
    doc_of = np.repeat(np.arange(len(texts), dtype=np.int32), sizes)[: len(codes)]
    word = classes != OTHER
    latin = classes == LATIN
    single_at = np.flatnonzero(classes == HAN).astype(np.int32)
    del classes
    at_pair = np.flatnonzero(word[:-1] & word[1:]).astype(np.int32)
    at_start = np.flatnonzero(latin[1:] & ~latin[:-1]).astype(np.int32) + 1
    if len(latin) and latin[0]:
        at_start = np.r_[np.int32(0), at_start].astype(np.int32)
    del latin
    dense = _dense_chars(codes[word])
    del word
    pair_at = np.concatenate([at_pair, at_start])
    first_code = np.concatenate([codes[at_pair], np.zeros(len(at_start), dtype=np.uint32)])
    second_code = np.concatenate([codes[at_pair + 1], codes[at_start]])
    del at_pair, at_start
    pair_doc = doc_of[pair_at]
    pair_pos = pair_at - begins[pair_doc]
    del pair_at
    in_title = np.flatnonzero(pair_pos + (first_code > 0) < np.array(title_lengths, dtype=np.int32)[pair_doc])

    buckets = bucket_count(2 * len(pair_pos) + len(single_at) // 2)  # (about the bytes they make)
    last = np.uint64(buckets - 1)  # (a power of two: ``& last`` is ``% buckets``, without a division per key)
    pair_bucket = (_fnv(_fnv(FNV_START, first_code), second_code) & last).astype(np.int32)
    single_code = codes[single_at]
    single_bucket = (_fnv(FNV_START, single_code) & last).astype(np.int32)
    del codes
    streams = [
        _stream(TITLE, pair_bucket[in_title], [first_code[in_title], second_code[in_title]], dense, pair_doc[in_title], None),
        _stream(SINGLE, single_bucket, [single_code], dense, doc_of[single_at], None),
    ]
    del in_title, single_code, single_bucket, single_at, doc_of
    streams.insert(0, _stream(PAIR, pair_bucket, [first_code, second_code], dense, pair_doc, pair_pos))
    files: dict[str, bytes] = {}
    for b in range(buckets):
        keys, pieces, stubs = 0, [], []  # type: ignore[var-annotated]
        for stream in streams:
            count, some = stream.pieces(b, HEAVY_BYTES, files, stubs)
            keys += count
            pieces += some
        files[str(b)] = varint.one(keys) + b"".join(pieces)
    return buckets, files


def _dense_chars(word_codes: Array) -> tuple[Array, Array] | None:
    """(code point -> a small number, 1.. for the characters present and 0 for a word's start;
    and back), or None when there are too many for the sort's bits (a slower sort is used)."""
    present = np.unique(word_codes) if len(word_codes) < 4096 else np.flatnonzero(np.bincount(word_codes))
    if len(present) >= (1 << _CHAR_BITS) - 1:
        return None
    table: Array = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.uint64)
    table[present] = np.arange(1, len(present) + 1)
    return table, np.r_[0, present].astype(np.uint32)


class _Stream:
    """One kind of key's encoded values, in bucket order: where each key's bytes start (and end),
    each key's characters, and where each bucket's keys start."""

    def __init__(self, kind: int, data: bytes, key_bytes: Array, key_chars: list[Array], key_starts: Array) -> None:
        self.kind, self.data, self.key_bytes, self.key_chars, self.key_starts = kind, data, key_bytes, key_chars, key_starts
        self.sizes = np.diff(key_bytes)

    def pieces(self, b: int, heavy: int, files: dict[str, bytes], stubs: list[int]) -> tuple[int, list[bytes]]:
        """Bucket ``b``'s keys: (how many, their bytes); a key over ``heavy`` bytes goes to a file
        of its own (``b-n``, n counting such keys in the bucket) and leaves a stub in its place."""
        lo, hi = int(self.key_starts[b]), int(self.key_starts[b + 1])
        out, cursor = [], int(self.key_bytes[lo])
        for k in (lo + np.flatnonzero(self.sizes[lo:hi] > heavy)).tolist():
            start, end = int(self.key_bytes[k]), int(self.key_bytes[k + 1])
            out.append(self.data[cursor:start])
            stub = [self.kind + ELSEWHERE, *(int(c[k]) for c in self.key_chars), 0]
            out.append(b"".join(varint.one(v) for v in stub))
            files[f"{b}-{len(stubs)}"] = varint.one(1) + self.data[start:end]
            stubs.append(k)
            cursor = end
        out.append(self.data[cursor : int(self.key_bytes[hi])])
        return hi - lo, out


def _stream(kind: int, bucket: Array, chars: list[Array], dense: tuple[Array, Array] | None, doc: Array, pos: Array | None) -> _Stream:
    """Occurrences of one kind -> its value stream: per key a header, per (key, document) an
    entry, per occurrence (pairs only) a position. (Occurrence counts stay below 2**31.)"""
    n = len(bucket)
    key_first, key_bucket, key_chars, doc, pos = _sorted(bucket, chars, dense, doc, pos)
    del bucket, chars
    entry_first = key_first.copy()
    entry_first[1:] |= doc[1:] != doc[:-1]
    entry_at = np.flatnonzero(entry_first).astype(np.int32)
    key_at = np.flatnonzero(key_first).astype(np.int32)
    counts = np.diff(np.r_[entry_at, np.int32(n)])
    entry_doc = doc[entry_at]
    del doc
    entry_key_first = key_first[entry_at]
    key_of_entry = np.cumsum(entry_key_first, dtype=np.int32) - 1
    documents = np.bincount(key_of_entry, minlength=len(key_at))
    doc_step = entry_doc - np.r_[np.int32(0), entry_doc[:-1]]
    doc_step[entry_key_first] = entry_doc[entry_key_first]
    head = 2 + len(key_chars)  # kind, characters, documents
    first_entry_of_key = np.flatnonzero(entry_key_first).astype(np.int32)
    per_occurrence = 1 if pos is not None else 0
    key_value_at = head * np.arange(len(key_at), dtype=np.int32) + 2 * first_entry_of_key + per_occurrence * key_at
    entry_value_at = head * (key_of_entry + 1) + 2 * np.arange(len(entry_at), dtype=np.int32) + per_occurrence * entry_at
    total = head * len(key_at) + 2 * len(entry_at) + per_occurrence * n
    values = np.zeros(total, dtype=np.uint32)
    values[key_value_at] = kind
    for i, c in enumerate(key_chars):
        values[key_value_at + 1 + i] = c
    values[key_value_at + head - 1] = documents
    values[entry_value_at] = doc_step
    values[entry_value_at + 1] = counts
    del entry_value_at, doc_step, counts, entry_doc, key_of_entry
    if pos is not None:
        step = np.empty_like(pos)
        step[0:1] = pos[0:1]
        np.subtract(pos[1:], pos[:-1], out=step[1:])
        step[entry_first] = pos[entry_first]
        del pos
        at = np.cumsum(key_first, dtype=np.int32)
        at *= head
        at += 2 * np.cumsum(entry_first, dtype=np.int32)
        at += np.arange(n, dtype=np.int32)
        values[at] = step
        del at, step
    del key_first, entry_first
    data, ends = varint.encode(values)
    del values
    key_starts = np.searchsorted(key_bucket, np.arange((1 << _BUCKET_BITS) + 1))  # each bucket's first key
    key_bytes = np.r_[0, ends][np.r_[key_value_at, total]]
    return _Stream(kind, data, key_bytes, key_chars, key_starts)


def _sorted(
    bucket: Array, chars: list[Array], dense: tuple[Array, Array] | None, doc: Array, pos: Array | None
) -> tuple[Array, Array, list[Array], Array, Array | None]:
    """The occurrences by bucket, key, document and position (the order they came in, within a
    key): (where each key starts, each key's bucket, each key's characters, and the occurrences'
    documents and positions in that order)."""
    n = len(bucket)
    char_bits = int(len(dense[1])).bit_length() if dense is not None else 64
    doc_bits = int(doc.max()).bit_length() if n else 0
    pos_bits = int(pos.max()).bit_length() if pos is not None and n else 0
    if dense is not None and _BUCKET_BITS + char_bits * len(chars) + doc_bits + pos_bits <= 64:
        # One sort of plain integers holding everything, read back by shifts: no gather by the
        # sort's order (random reads, the most costly pass when the order was sorted instead).
        to_dense, to_code = dense
        shift = 64 - _BUCKET_BITS
        packed = bucket.astype(np.uint64) << np.uint64(shift)
        for c in chars:
            shift -= char_bits
            dense_c = to_dense[c]  # (uint64 already: shifted in place, no copy)
            dense_c <<= np.uint64(shift)
            packed |= dense_c
        packed |= doc.astype(np.uint64) << np.uint64(pos_bits)
        if pos is not None:
            packed |= pos.astype(np.uint64)
        packed.sort()
        key = packed >> np.uint64(doc_bits + pos_bits)
        key_first = np.ones(n, dtype=bool)
        np.not_equal(key[1:], key[:-1], out=key_first[1:])
        del key
        heads = packed[key_first]
        char_mask = np.uint64((1 << char_bits) - 1)
        key_chars = [to_code[((heads >> np.uint64(64 - _BUCKET_BITS - char_bits * (i + 1))) & char_mask).astype(np.int32)] for i in range(len(chars))]
        sorted_doc = ((packed >> np.uint64(pos_bits)) & np.uint64((1 << doc_bits) - 1)).astype(np.int32)
        sorted_pos = (packed & np.uint64((1 << pos_bits) - 1)).astype(np.int32) if pos is not None else None
        return key_first, (heads >> np.uint64(64 - _BUCKET_BITS)).astype(np.int64), key_chars, sorted_doc, sorted_pos
    order = np.lexsort((np.arange(n), *reversed(chars), bucket))
    bucket, chars = bucket[order], [c[order] for c in chars]
    key_first = np.ones(n, dtype=bool)
    same = np.ones(max(n - 1, 0), dtype=bool)  # (the bucket follows from the characters)
    for c in chars:
        same &= c[1:] == c[:-1]
    key_first[1:] = ~same
    return key_first, bucket[key_first], [c[key_first] for c in chars], doc[order], pos[order] if pos is not None else None
