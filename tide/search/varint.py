"""Unsigned LEB128 varints for whole arrays at once (the index is one long run of them)."""

from __future__ import annotations

import numpy as np


def lengths(values: np.ndarray) -> np.ndarray:
    """Bytes each value takes (1 to 5)."""
    v = values.astype(np.uint64)
    return (1 + (v >= 1 << 7).astype(np.int64) + (v >= 1 << 14) + (v >= 1 << 21) + (v >= 1 << 28)).astype(np.int64)


def encode(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """(the bytes, where each value's bytes end)."""
    n = lengths(values)
    ends = np.cumsum(n)
    total = int(ends[-1]) if len(ends) else 0
    within = np.arange(total, dtype=np.int64) - np.repeat(ends - n, n)
    spread = np.repeat(values.astype(np.uint64), n)
    out = ((spread >> (7 * within).astype(np.uint64)) & np.uint64(0x7F)).astype(np.uint8)
    out |= ((within < np.repeat(n - 1, n)).astype(np.uint8) << 7).astype(np.uint8)
    return out.tobytes(), ends


def decode(data: bytes) -> list[int]:
    """Every value in ``data`` (for tests and tools; the browser has its own reader)."""
    values, value, shift = [], 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            values.append(value)
            value, shift = 0, 0
    return values
