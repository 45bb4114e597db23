"""``check --fix cjk-punctuation``: rewrite exactly that rule's findings in the files, nothing else."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .findings import Settings
from .punctuation import Mark, fixed
from .rules import Source, excerpt, punctuation


def fix_punctuation(sources: list[Source], settings: Settings, root: Path) -> list[str]:
    """Apply every ``cjk-punctuation`` mark; return the changes as ``path:line: before → after``."""
    if settings.severity["cjk-punctuation"] == "off":
        return []
    changes = []
    for source in sources:
        by_line: dict[int, list[Mark]] = defaultdict(list)
        for number, m in punctuation(source, settings):
            by_line[number].append(m)
        if not by_line:
            continue
        path = root / source.path
        raw = path.read_bytes().decode("utf-8").splitlines(keepends=True)  # (line endings kept as they are)
        for number, found in sorted(by_line.items()):
            line = raw[number - 1]
            body = line.rstrip("\r\n")
            for m in found:
                changes.append(f"{source.path}:{number}: {excerpt(body, m)}")
            raw[number - 1] = fixed(body, found) + line[len(body) :]
        temporary = path.with_name(path.name + ".fixing")
        temporary.write_bytes("".join(raw).encode("utf-8"))
        temporary.replace(path)
    return changes
