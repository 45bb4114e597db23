"""Bucket files read back in Python: the tests' and tools' view of what the browser reads."""

from __future__ import annotations

from . import varint
from .encode import fnv1a

Postings = dict[int, tuple[int, list[int]]]  # document -> (count, positions kept)


def read_bucket(data: bytes) -> dict[str, Postings]:
    values = varint.decode(data)
    at = 1
    found: dict[str, Postings] = {}
    for _ in range(values[0]):
        flag = values[at]
        chars, single = flag >> 1, flag & 1
        key = "".join(chr(c) for c in values[at + 1 : at + 1 + chars])
        at += 1 + chars
        documents = values[at]
        at += 1
        postings: Postings = {}
        doc = 0
        for _ in range(documents):
            doc += values[at]
            count = values[at + 1]
            at += 2
            n = 1 if single else count
            pos: list[int] = []
            p = 0
            for step in values[at : at + n]:
                p = step if not pos else p + step
                pos.append(p)
            at += n
            postings[doc] = (count, pos)
        found[key] = postings
    return found


def bucket_of(key: str, buckets: int) -> int:
    return fnv1a([ord(c) for c in key]) % buckets
