"""The Jinja2 environment: strict about undefined names, with the helpers the theme uses."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from .config import SiteConfig


class TemplateProblem(Exception):
    """A template error with the template's file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


class Templates:
    """Loads the theme from one folder and renders routes with it."""

    def __init__(self, folder: Path, config: SiteConfig, globals_: dict[str, Any]) -> None:
        self.folder = folder
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(helpers(config))
        self.env.globals.update(globals_, url=self.env.filters["url"], abs_url=self.env.filters["abs_url"])

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template ``name``; any failure becomes a TemplateProblem naming the template line."""
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            path = Path(exc.filename) if exc.filename else self.folder / (exc.name or name)
            raise TemplateProblem(path, exc.lineno, f"template syntax error: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateProblem(self.folder / name, 0, f"template '{exc.name}' not found in {self.folder.name}/") from None
        except Exception as exc:  # noqa: BLE001  any runtime error inside a template is the template's
            path, line = _template_frame(sys.exc_info()[2], self.folder, name)
            raise TemplateProblem(path, line, _describe(exc)) from None


def helpers(config: SiteConfig) -> dict[str, Any]:
    """Filters the theme uses; each is also documented in docs/THEME.md."""
    tz: ZoneInfo = config.timezone
    base_path, base_url = config.base_path.rstrip("/"), config.base_url.rstrip("/")

    def url(path: str) -> str:
        """A path on this site under the base path; web addresses pass through."""
        return path if path.startswith(("http:", "https:", "mailto:", "//")) else base_path + path

    return {
        "url": url,
        "abs_url": lambda path: base_url + path,
        "zh_date": lambda d: f"{d.astimezone(tz).year}年{d.astimezone(tz).month}月{d.astimezone(tz).day}日",
        "iso": lambda d: d.astimezone(tz).isoformat(timespec="seconds"),
        "zh_month": lambda m: f"{m}月",
        "year": lambda d: d.astimezone(tz).year,
    }


def _template_frame(tb: TracebackType | None, folder: Path, fallback: str) -> tuple[Path, int]:
    """The innermost traceback frame inside a template: Jinja maps it to the template's own line."""
    found: tuple[Path, int] = (folder / fallback, 0)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(str(folder)):
            found = (Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined value: {exc.message}"
    return f"{type(exc).__name__}: {exc}"
