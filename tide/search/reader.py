"""Bucket files read back in Python: the tests' and tools' view of what the browser reads."""

from __future__ import annotations

from . import varint
from .part import ELSEWHERE, PAIR, SINGLE, fnv1a

Postings = dict[int, tuple[int, list[int]]]  # document -> (count, positions: a pair's only)


def read_bucket(data: bytes) -> dict[tuple[int, str], Postings | None]:
    """(kind, characters; a word's start as NUL then its first character) -> postings, or None
    for a common word whose postings are in a file of its own."""
    values = varint.decode(data)
    at = 1
    found: dict[tuple[int, str], Postings | None] = {}
    for _ in range(values[0]):
        kind = values[at]
        if kind >= ELSEWHERE:
            chars = 1 if kind - ELSEWHERE == SINGLE else 2
            found[(kind - ELSEWHERE, "".join(chr(c) for c in values[at + 1 : at + 1 + chars]))] = None
            at += 2 + chars
            continue
        chars = 1 if kind == SINGLE else 2
        key = "".join(chr(c) for c in values[at + 1 : at + 1 + chars])
        documents = values[at + 1 + chars]
        at += 2 + chars
        postings: Postings = {}
        doc = 0
        for _ in range(documents):
            doc += values[at]
            count = values[at + 1]
            at += 2
            positions: list[int] = []
            if kind == PAIR:
                for step in values[at : at + count]:
                    positions.append(step if not positions else positions[-1] + step)
                at += count
            postings[doc] = (count, positions)
        found[(kind, key)] = postings
    return found


def bucket_of(key: str, buckets: int) -> int:
    return fnv1a([ord(c) for c in key]) % buckets
