"""Unsigned LEB128 varints for whole arrays at once (the index is one long run of them)."""

from __future__ import annotations

import numpy as np


def encode(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """(the bytes, where each value's bytes end); values below 2**32. Every value's first byte in
    one pass, then second bytes for the values that have one, and so on: most take one or two."""
    v = values.astype(np.uint32, copy=False)
    n = np.ones(len(v), dtype=np.uint8)
    for bits in (7, 14, 21, 28):
        n += v >= (1 << bits)
    ends = np.cumsum(n, dtype=np.int64)
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    at = ends - n
    out[at] = (v & 0x7F).astype(np.uint8) | ((n > 1).view(np.uint8) << 7)
    more = np.flatnonzero(n > 1)
    rank = 1
    while len(more):
        left = n[more]
        out[at[more] + rank] = ((v[more] >> (7 * rank)) & 0x7F).astype(np.uint8) | ((left > rank + 1).view(np.uint8) << 7)
        more = more[left > rank + 1]
        rank += 1
    return out.tobytes(), ends


def one(value: int) -> bytes:
    """One value's bytes (for a header; ``encode`` for arrays)."""
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
