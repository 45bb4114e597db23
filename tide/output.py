"""The only code that touches the output folder.

Nothing becomes visible until ``commit``: a first build is written into a folder beside the
output and swapped in whole; a later build appends each changed file to a staging file beside
the output (one per process) and, at the commit, writes it over the old file in place (two
processes share a large commit). A build that fails before ``commit`` leaves the previous site
exactly as it was.

Why in place: on a disk mounted with ``discard`` (this project's machines) replacing a file frees
its blocks, and freeing costs about 0.3 ms a file: 5 s of a template edit at 10,000 articles.
Writing over the old bytes frees nothing. The price is that a file is not swapped atomically: a
crash in the middle of a commit can leave one file half written, and the output records are then
already marked untrusted (``Cache.mark_dirty``), so the next build writes every file again. A
file with other hard links is still replaced, so that the other names keep their bytes.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .errors import BuildError, BuildFailed
from .processes import may_fork

COMMIT_FORK_FROM = 2000  # files; fewer are written faster than a fork costs

Staged = tuple[str, int, int]  # (staging file, offset, length); ("", 0, n): written in place already


class Writer:
    def __init__(self, output: Path, sources: list[Path], fresh: bool) -> None:
        """``sources``: folders the output may neither be, hold, nor sit inside."""
        output = output.resolve()
        for keep in (k.resolve() for k in sources):
            if output == keep or output in keep.parents or keep in output.parents:
                raise BuildFailed([BuildError(str(output), 0, f"refusing to build here: the output folder would replace or sit inside {keep}")])
        self.output = output
        self._prefix = str(output) + os.sep  # (joined to every output path asked about)
        self.fresh = fresh or not output.is_dir()
        self.dir = output.with_name(f".{output.name}.building") if self.fresh else output
        self.staging = output.with_name(f".{output.name}.staging")
        self.written: list[str] = []
        self.deleted: list[str] = []
        self._staged: dict[str, Staged] = {}  # file -> where its new bytes are
        self.store = Store(str(self.dir), self.fresh, str(self.staging))

    def __enter__(self) -> Writer:
        _remove(self.staging)  # (left by a build that crashed)
        if self.fresh:
            _remove(self.dir)
            self.dir.mkdir(parents=True)
        else:
            self.staging.mkdir(parents=True)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.abort()  # after a commit there is nothing left to abort

    def exists(self, rel: str) -> bool:
        return not self.fresh and os.path.isfile(self._prefix + rel)  # strings: asked for every output

    def read(self, rel: str) -> bytes | None:
        """The bytes the output has now (before this build's commit), if it has the file."""
        if self.fresh:
            return None
        try:
            fd = os.open(self._prefix + rel, os.O_RDONLY)
        except OSError:
            return None
        try:  # (system calls: a theme edit reads every page, and a file object costs a third more)
            return os.read(fd, os.fstat(fd).st_size + 1)
        except OSError:
            return None
        finally:
            os.close(fd)

    def write(self, rel: str, data: bytes) -> None:
        self.note(rel, self.store(rel, data))

    def flush(self) -> None:
        """Push what this process stored to its staging file: a pool worker calls this before it
        reports pages (it may be ended without closing anything)."""
        self.store.flush()

    def note(self, rel: str, where: Staged) -> None:
        """``rel`` was stored (by this process or a worker) and is to be committed."""
        self._staged[rel] = where
        self.written.append(rel)

    def copy(self, source: Path, rel: str) -> None:
        if self.fresh:
            target = os.path.join(self.dir, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(source, target)  # bytes only: no timestamps carried into the output
            self.written.append(rel)
        else:
            self.write(rel, source.read_bytes())

    def delete(self, rel: str) -> None:
        if not self.fresh:
            self.deleted.append(rel)

    def commit(self) -> None:
        """Make everything written visible."""
        if self.fresh:
            old = self.output.with_name(f".{self.output.name}.old")
            _remove(old)
            if self.output.exists():
                self.output.rename(old)
            self.dir.rename(self.output)
            _remove(old)
        else:
            self._close_stage()
            _in_two_processes(self._commit_some, self.written, at_least=COMMIT_FORK_FROM)
            for rel in self.deleted:
                _remove(self.output / rel)
            for folder in sorted({posixpath.dirname(rel) for rel in self.deleted}, key=len, reverse=True):  # (once each, deepest first)
                _prune_empty(self.output / folder / "-", self.output)
            _remove(self.staging)
        self.written, self.deleted, self._staged, self.fresh = [], [], {}, False
        self.store = Store(str(self.output), False, str(self.staging))

    def _commit_some(self, rels: list[str]) -> None:
        """Write these staged files over their outputs."""
        opened: dict[str, int] = {}  # staging file name -> descriptor
        try:
            for rel in rels:
                name, offset, length = self._staged[rel]
                if name not in opened:
                    opened[name] = os.open(self.staging / name, os.O_RDONLY)
                data = os.pread(opened[name], length, offset)
                if len(data) != length:  # (a worker that did not flush: never write a page cut short)
                    raise OSError(f"the staging file {self.staging / name} is short of {rel}")
                _write_over(self._prefix + rel, data)
        finally:
            for fd in opened.values():
                os.close(fd)

    def abort(self) -> None:
        self._close_stage()
        _remove(self.dir if self.fresh else self.staging)
        self.written, self._staged = [], {}

    def _close_stage(self) -> None:
        stage = _STAGES.pop(str(self.staging), None)
        if stage is not None and stage.pid == os.getpid():
            stage.close()


@dataclass(frozen=True)
class Store:
    """``store(rel, data)``: put a file's bytes where the commit finds them, without noting it
    (a worker stores, and the parent notes where: ``Writer.note``). Small and picklable, so that
    worker processes store what they make themselves: in a first build, straight into the folder
    being built; later, appended to a staging file of their own (one per process)."""

    dir: str
    fresh: bool
    staging: str

    def __call__(self, rel: str, data: bytes) -> Staged:
        if self.fresh:
            _create(os.path.join(self.dir, rel), data)
            return "", 0, len(data)
        stage = _STAGES.get(self.staging)
        if stage is None or stage.pid != os.getpid():  # (a forked worker opens its own)
            stage = _STAGES[self.staging] = _Stage(Path(self.staging))
        return stage.append(data)

    def flush(self) -> None:
        stage = _STAGES.get(self.staging)
        if stage is not None and stage.pid == os.getpid():
            stage.flush()


_STAGES: dict[str, _Stage] = {}  # staging folder -> the staging file this process appends to


class _Stage:
    """One process's staging file, appended to in batches: one system call per megabyte, not per page."""

    BATCH = 1 << 20

    def __init__(self, folder: Path) -> None:
        self.pid = os.getpid()
        self.name = str(self.pid)
        self.fd = os.open(folder / self.name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        self.size = os.fstat(self.fd).st_size  # bytes stored, written or not (a process that ended may have had this number, and this file)
        self.pending: list[bytes] = []
        self.pending_size = 0

    def append(self, data: bytes) -> Staged:
        where = (self.name, self.size, len(data))
        self.size += len(data)
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= self.BATCH:
            self.flush()
        return where

    def flush(self) -> None:
        if self.pending:
            _write_all(self.fd, b"".join(self.pending))
            self.pending, self.pending_size = [], 0

    def close(self) -> None:
        self.flush()
        os.close(self.fd)


def _write_all(fd: int, data: bytes) -> None:
    view, done = memoryview(data), 0
    while done < len(data):
        done += os.write(fd, view[done:])


def _write_over(path: str, data: bytes) -> None:
    """Write ``data`` over the file at ``path`` in place (see the module's docstring)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        _create(path, data)
        return
    try:
        st = os.fstat(fd)
        if st.st_nlink == 1:
            _write_all(fd, data)
            if st.st_size > len(data):
                os.ftruncate(fd, len(data))
            return
    finally:
        os.close(fd)
    _create(path + ".tide-new", data)
    os.replace(path + ".tide-new", path)


def _create(path: str, data: bytes) -> None:
    """Write a file anew (its folder too, if missing), with system calls: a first build makes 18,000."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _in_two_processes(work: Callable[[list[str]], None], items: list[str], at_least: int) -> None:
    """``work(items)``, half of it in a forked child when there are ``at_least`` items and two cores:
    writing 17,000 files is system calls, and the kernel runs two processes' side by side."""
    if len(items) < at_least or (os.cpu_count() or 1) < 2 or not may_fork():
        work(items)
        return
    child = os.fork()
    if child == 0:  # (never back into the caller's code: the child ends here either way)
        try:
            work(items[1::2])
        except BaseException as exc:  # noqa: BLE001  reported by the parent as a failed commit
            print(f"writing the output failed: {exc}", file=sys.stderr)
            os._exit(1)
        os._exit(0)
    work(items[0::2])
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise OSError(f"a process writing the output failed (status {status}); the next build writes every file again")


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
    """Remove the folders above ``path`` that are left empty, up to ``stop``."""
    for parent in path.parents:
        if parent == stop or not parent.is_dir():
            return
        with os.scandir(parent) as entries:
            if next(entries, None) is not None:
                return
        parent.rmdir()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
