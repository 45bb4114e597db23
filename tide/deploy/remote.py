"""What the bucket holds, by content: each object's MD5 and the headers it was sent with.

A listing gives every object's ETag, which is its MD5 when it was uploaded in one part (quotes
stripped, case folded: OSS answers in upper case). A multipart upload's ETag ("…-3") is not; then
the MD5 this deploy stored as ``x-amz-meta-md5`` is asked for (one HEAD). The headers an object
was sent with are not in a listing: they are kept in .cache/ beside the MD5 (``Record``), and
asked for with a HEAD only for objects the record does not know (a fresh clone, a first deploy
over objects uploaded by something else).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLAIN_MD5 = re.compile(r"^[0-9a-f]{32}$")
WORKERS = 16


def plain_md5(etag: str | None) -> str | None:
    """The MD5 an ETag stands for, or None when it is not one (multipart ``-N``, other schemes)."""
    value = (etag or "").strip().strip('"').lower()
    if value.startswith("w/"):  # a weak ETag names no bytes
        return None
    return value if PLAIN_MD5.match(value) else None


@dataclass(slots=True)
class RemoteObject:
    key: str  # without the target's prefix
    size: int
    md5: str | None  # None: unknown (a multipart upload without our metadata)
    headers: tuple[str, str] | None = None  # (content type, cache control) as sent, when known


def listing(client: Any, bucket: str, prefix: str) -> dict[str, RemoteObject]:
    """Every object under ``prefix``, one page of a thousand at a time."""
    found: dict[str, RemoteObject] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"][len(prefix) :]
            if key:
                found[key] = RemoteObject(key, int(item.get("Size", 0)), plain_md5(item.get("ETag")))
    return found


def fill_in(client: Any, bucket: str, prefix: str, objects: list[RemoteObject]) -> int:
    """HEAD each object for what a listing does not say (its MD5 from our metadata, its headers);
    concurrently. Returns how many requests that took."""

    def head(obj: RemoteObject) -> None:
        answer = client.head_object(Bucket=bucket, Key=prefix + obj.key)
        meta = {k.lower(): v for k, v in answer.get("Metadata", {}).items()}
        obj.md5 = obj.md5 or plain_md5(meta.get("md5"))
        obj.headers = (answer.get("ContentType", ""), answer.get("CacheControl", ""))

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(head, objects))
    return len(objects)


class Record:
    """What this project last sent to a target, per key: (md5, content type, cache control); and
    each local file's (mtime_ns, size, md5), so that an unchanged file is not hashed again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.sent: dict[str, list[str]] = data["sent"]
            self.stats: dict[str, tuple[int, int, str]] = {k: (int(v[0]), int(v[1]), str(v[2])) for k, v in data["stats"].items()}
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or damaged: HEAD tells again
            self.sent, self.stats = {}, {}

    def headers(self, key: str, md5: str) -> tuple[str, str] | None:
        found = self.sent.get(key)
        return (found[1], found[2]) if found and found[0] == md5 else None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"sent": self.sent, "stats": self.stats}, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
