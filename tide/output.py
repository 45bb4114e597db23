"""The only code that touches the output folder.

Nothing becomes visible until ``commit``: a first build is written into a folder beside the
output and swapped in whole; a later build writes each changed file under a temporary name
and renames them all at the end. A build that fails before ``commit`` leaves the previous
site exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType

from .errors import BuildError, BuildFailed

TEMP_SUFFIX = ".tide-new"


class Writer:
    def __init__(self, output: Path, sources: list[Path], fresh: bool) -> None:
        """``sources``: folders the output may neither be, hold, nor sit inside."""
        output = output.resolve()
        for keep in (k.resolve() for k in sources):
            if output == keep or output in keep.parents or keep in output.parents:
                raise BuildFailed([BuildError(str(output), 0, f"refusing to build here: the output folder would replace or sit inside {keep}")])
        self.output = output
        self.fresh = fresh or not output.is_dir()
        self.dir = output.with_name(f".{output.name}.building") if self.fresh else output
        self.written: list[str] = []
        self.deleted: list[str] = []
        self.expected: list[str] = []  # files other processes may store (``expect``)

    def __enter__(self) -> Writer:
        if self.fresh:
            _remove(self.dir)
            self.dir.mkdir(parents=True)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.abort()  # after a commit there is nothing left to abort

    def exists(self, rel: str) -> bool:
        return not self.fresh and os.path.isfile(os.path.join(self.output, rel))  # strings: asked for every output

    def write(self, rel: str, data: bytes) -> None:
        self.store(rel, data)
        self.written.append(rel)

    def store(self, rel: str, data: bytes) -> None:
        """Write without noting it: a forked worker stores, and the parent notes (``written``)."""
        target = self._target(rel)
        try:
            f = open(target, "wb")  # noqa: SIM115
        except FileNotFoundError:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            f = open(target, "wb")  # noqa: SIM115
        with f:
            f.write(data)

    def copy(self, source: Path, rel: str) -> None:
        target = self._target(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)  # bytes only: no timestamps carried into the output
        self.written.append(rel)

    def expect(self, rels: list[str]) -> None:
        """Say that worker processes may store these files: if a worker dies before reporting what
        it stored, an abort still removes them."""
        self.expected = rels

    def delete(self, rel: str) -> None:
        if not self.fresh:
            self.deleted.append(rel)

    def _target(self, rel: str) -> str:
        """Where ``rel`` is written before the commit (a string: asked for every page)."""
        return os.path.join(self.dir, rel if self.fresh else rel + TEMP_SUFFIX)

    def commit(self) -> None:
        """Make everything written visible at once."""
        if self.fresh:
            old = self.output.with_name(f".{self.output.name}.old")
            _remove(old)
            if self.output.exists():
                self.output.rename(old)
            self.dir.rename(self.output)
            _remove(old)
        else:
            for rel in self.written:
                os.replace(self.output / (rel + TEMP_SUFFIX), self.output / rel)
            for rel in self.deleted:
                _remove(self.output / rel)
                _prune_empty(self.output / rel, self.output)
        self.written, self.deleted, self.expected, self.fresh = [], [], [], False

    def abort(self) -> None:
        if self.fresh:
            _remove(self.dir)
        else:
            for rel in {*self.written, *self.expected}:
                _remove(self.output / (rel + TEMP_SUFFIX))
        self.written, self.expected = [], []


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


def _prune_empty(path: Path, stop: Path) -> None:
    for parent in path.parents:
        if parent == stop or not parent.is_dir() or any(parent.iterdir()):
            return
        parent.rmdir()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
