"""A group of articles' terms -> the bucket files the browser fetches, built as arrays.

A key goes to bucket ``fnv1a(its characters) % buckets``; the browser hashes a query's keys the
same way and fetches only their buckets. A bucket file is varints:

    keys in this bucket
    per key:  2 * characters + (1 if only the first position is kept), the characters, documents
    per document (in order):  document - previous document, count, then the positions kept
              (first, then each minus the one before)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import varint
from .terms import SINGLE, WORD, Terms

BUCKET_BYTES = 8192  # about what one fetch brings, so a query's few keys cost a few small files
FNV_START, FNV_PRIME, MASK32 = 2166136261, 16777619, 0xFFFFFFFF


def fnv1a(codes: list[int]) -> int:
    """32-bit FNV-1a over code points (the client's ``hash``)."""
    h = FNV_START
    for c in codes:
        h = ((h ^ c) * FNV_PRIME) & MASK32
    return h


def _fnv_step(h: NDArray[Any], c: NDArray[Any]) -> NDArray[Any]:
    step: NDArray[Any] = ((h ^ c) * np.uint64(FNV_PRIME)) & np.uint64(MASK32)
    return step


def bucket_count(estimated_bytes: int) -> int:
    """A power of two near ``estimated_bytes / BUCKET_BYTES``."""
    n = 1
    while n * BUCKET_BYTES < estimated_bytes:
        n *= 2
    return n


def encode(docs: list[Terms]) -> list[bytes]:
    """Every bucket file of these documents (numbered 0.. in ``docs`` order)."""
    if not docs or not sum(len(t.keys) for t in docs):
        return [b"\x00"]
    keys: NDArray[Any] = np.concatenate([t.keys for t in docs])
    counts: NDArray[Any] = np.concatenate([t.counts for t in docs]).astype(np.int64)
    positions = np.concatenate([t.positions for t in docs]).astype(np.int64)
    doc: NDArray[Any] = np.repeat(np.arange(len(docs), dtype=np.int64), [len(t.keys) for t in docs])
    single: NDArray[Any] = (keys >= SINGLE) & (keys < WORD)
    kept: NDArray[Any] = np.where(single, 1, counts)
    kept_from: NDArray[Any] = np.cumsum(kept) - kept
    words: dict[int, str] = {}
    for t in docs:
        words.update(t.words)

    order = np.argsort(keys, kind="stable")  # by key, then document (each document's keys come together)
    keys, counts, doc, kept, kept_from, single = (a[order] for a in (keys, counts, doc, kept, kept_from, single))
    first: NDArray[Any] = np.r_[True, keys[1:] != keys[:-1]]
    key_of: NDArray[Any] = np.cumsum(first) - 1
    distinct = keys[first]
    documents = np.bincount(key_of)
    doc_step: NDArray[Any] = doc - np.r_[0, doc[:-1]]
    doc_step[first] = doc[first]

    # Each key's header: [2 * characters + single, characters..., documents], and its bucket.
    low, high = distinct & np.uint64(0x1FFFFF), (distinct >> np.uint64(21)) & np.uint64(0x1FFFFF)
    kind = distinct >> np.uint64(62)  # 1 pair, 2 single, 3 word
    chars = np.where(kind == 1, 2, 1).astype(np.int64)
    word_rows = np.flatnonzero(kind == 3)
    word_text = [words[int(k)] for k in distinct[word_rows]]
    chars[word_rows] = [len(w) for w in word_text]
    h = np.full(len(distinct), FNV_START, dtype=np.uint64)
    h = np.where(kind == 1, _fnv_step(_fnv_step(h, high), low), _fnv_step(h, low))
    h[word_rows] = [_hash_text(w) for w in word_text]
    head_len = chars + 2
    head_from = np.cumsum(head_len) - head_len
    head = np.zeros(int(head_len.sum()), dtype=np.int64)
    head[head_from] = chars * 2 + (kind == 2)
    head[head_from + 1] = np.where(kind == 1, high, low).astype(np.int64)
    head[(head_from + 2)[kind == 1]] = low[kind == 1].astype(np.int64)
    for row, w in zip(word_rows.tolist(), word_text, strict=True):
        head[head_from[row] + 1 : head_from[row] + 1 + len(w)] = [ord(c) for c in w]
    head[head_from + head_len - 1] = documents

    estimated = int(varint.lengths(head).sum()) + 2 * len(keys) + int(kept.sum()) * 2
    buckets = bucket_count(estimated)
    bucket_of_key = (h % np.uint64(buckets)).astype(np.int64)

    # Entries by bucket (keys and documents keep their order inside one), then the value stream.
    by_bucket = np.argsort(bucket_of_key[key_of], kind="stable")
    first, key_of, doc_step, counts, kept, kept_from = (a[by_bucket] for a in (first, key_of, doc_step, counts, kept, kept_from))
    own_head = np.where(first, head_len[key_of], 0)
    size = own_head + 2 + kept
    start = np.cumsum(size) - size
    values = np.zeros(int(size.sum()), dtype=np.int64)
    lead_keys = key_of[first]
    n_head = head_len[lead_keys]
    within = _within(n_head)
    values[np.repeat(start[first], n_head) + within] = head[np.repeat(head_from[lead_keys], n_head) + within]
    values[start + own_head] = doc_step
    values[start + own_head + 1] = counts
    within = _within(kept)
    at = positions[np.repeat(kept_from, kept) + within]
    step = at - np.r_[0, at[:-1]]
    step[within == 0] = at[within == 0]
    values[np.repeat(start + own_head + 2, kept) + within] = step
    data, ends = varint.encode(values)

    entry_bucket = bucket_of_key[key_of]
    files = []
    edges = np.searchsorted(entry_bucket, np.arange(buckets + 1))
    per_bucket = np.bincount(bucket_of_key, minlength=buckets)
    for b in range(buckets):
        lo, hi = edges[b], edges[b + 1]
        if lo == hi:
            files.append(b"\x00")
            continue
        begin = int(ends[start[lo] - 1]) if start[lo] else 0
        end = int(ends[start[hi - 1] + size[hi - 1] - 1])
        files.append(varint.encode(np.array([per_bucket[b]]))[0] + data[begin:end])
    return files


def _within(n: NDArray[Any]) -> NDArray[Any]:
    """0..n-1 for each n, end to end."""
    total = int(n.sum())
    within: NDArray[Any] = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    return within


def _hash_text(text: str) -> int:
    return fnv1a([ord(c) for c in text])
