"""Local files against remote objects -> what to upload (and why), what to delete.

Nothing is compared by time: a file whose bytes are the object's is not sent, whatever its
date; a file whose headers changed alone is sent again (there is no cheaper way to change an
object's headers than to copy it onto itself, and that costs the same request).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .local import STAGES, LocalFile
from .remote import RemoteObject


@dataclass(slots=True)
class Upload:
    file: LocalFile
    why: str  # "new", "changed", "headers", "forced"


@dataclass(slots=True)
class Plan:
    uploads: list[Upload] = field(default_factory=list)  # in stage order
    deletes: list[str] = field(default_factory=list)  # keys, without the prefix
    unchanged: int = 0

    @property
    def bytes(self) -> int:
        return sum(u.file.size for u in self.uploads)

    def by_stage(self) -> list[list[Upload]]:
        return [[u for u in self.uploads if u.file.stage == s] for s in STAGES]

    def summary(self) -> str:
        why = Counter(u.why for u in self.uploads)
        parts = [f"{n} {w}" for w, n in sorted(why.items())]
        return (
            f"{len(self.uploads)} to upload ({', '.join(parts) or 'none'}; {_size(self.bytes)}), "
            f"{len(self.deletes)} to delete ({kinds(self.deletes) or 'none'}), {self.unchanged} unchanged"
        )


def make_plan(files: list[LocalFile], remote: dict[str, RemoteObject], force: bool = False) -> Plan:
    plan = Plan()
    for file in sorted(files, key=lambda f: (STAGES.index(f.stage), f.key)):
        there = remote.get(file.key)
        if force:
            plan.uploads.append(Upload(file, "forced"))
        elif there is None:
            plan.uploads.append(Upload(file, "new"))
        elif there.md5 != file.md5:
            plan.uploads.append(Upload(file, "changed"))
        elif there.headers is not None and there.headers != file.headers:
            plan.uploads.append(Upload(file, "headers"))
        else:
            plan.unchanged += 1
    local = {f.key for f in files}
    plan.deletes = sorted(k for k in remote if k not in local)
    return plan


def kinds(keys: list[str]) -> str:
    """How many of each kind: "12 pages, 3 pictures, 1 other"."""
    count = Counter(
        "pages" if k.endswith(".html") else "pictures" if k.rsplit(".", 1)[-1].lower() in ("webp", "png", "jpg", "jpeg", "gif", "avif", "svg") else "other"
        for k in keys
    )
    return ", ".join(f"{n} {kind}" for kind, n in sorted(count.items()))


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"
