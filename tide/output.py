"""The only code that touches the output folder: build beside it, then swap it in whole."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import TracebackType

from .errors import BuildError, BuildFailed


class Staging:
    """A fresh folder next to the output; ``commit`` swaps it in, anything else removes it.

    A failed build therefore leaves the previous site exactly as it was.
    """

    def __init__(self, output: Path, sources: list[Path]) -> None:
        """``sources``: folders the output may neither be, hold, nor sit inside."""
        output = output.resolve()
        for keep in (k.resolve() for k in sources):
            if output == keep or output in keep.parents or keep in output.parents:
                raise BuildFailed([BuildError(str(output), 0, f"refusing to build here: the output folder would replace or sit inside {keep}")])
        self.output = output
        self.dir = output.with_name(f".{output.name}.building")
        self.count = 0

    def __enter__(self) -> Staging:
        _remove(self.dir)
        self.dir.mkdir(parents=True)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        _remove(self.dir)  # after a commit it is gone already

    def write(self, rel: str, data: bytes) -> None:
        target = self.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.count += 1

    def copy(self, source: Path, rel: str) -> None:
        target = self.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)  # bytes only: no timestamps carried into the output
        self.count += 1

    def commit(self) -> None:
        """Put the new site in place of the old one."""
        old = self.output.with_name(f".{self.output.name}.old")
        _remove(old)
        if self.output.exists():
            self.output.rename(old)
        self.dir.rename(self.output)
        _remove(old)


def files_under(folder: Path, url_prefix: str) -> dict[str, Path]:
    """Every regular file below ``folder`` as output path -> source, skipping hidden files."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found[f"{url_prefix}{rel.as_posix()}"] = path
    return found


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
