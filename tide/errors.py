"""Problems in the content, reported as ``path:line: message`` and collected, not raised one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class BuildError:
    """One problem an editor can fix: where it is and what is wrong."""

    path: str
    line: int
    message: str
    kind: str = field(default="", compare=False)  # what it is about, for tools that sort problems ("link": a link or image that points nowhere)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class BuildFailed(Exception):
    """Raised at the end of a stage that found problems; carries all of them."""

    def __init__(self, errors: list[BuildError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(slots=True)
class ErrorList:
    """Collects every problem of a run so the editor sees them all at once."""

    root: Path
    errors: list[BuildError] = field(default_factory=list)
    warnings: list[BuildError] = field(default_factory=list)  # worth fixing, not worth failing the build

    def add(self, path: Path | str, line: int, message: str, kind: str = "") -> None:
        self.errors.append(BuildError(self.display(path), line, message, kind))

    def warn(self, path: Path | str, line: int, message: str) -> None:
        self.warnings.append(BuildError(self.display(path), line, f"warning: {message}"))

    def display(self, path: Path | str) -> str:
        """Show a path relative to the project, the way an editor's tools name it."""
        p = Path(path)
        if not p.is_absolute():
            return p.as_posix()
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    def raise_if_any(self) -> None:
        if self.errors:
            raise BuildFailed(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)
