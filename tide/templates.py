"""The Jinja2 environment: strict about undefined names, with the helpers the theme uses."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, overload
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from jinja2.runtime import Context, new_context
from markupsafe import Markup, escape

from . import seo
from .config import SiteConfig
from .images import Picture, img_tag
from .layouts import StandInLeaked
from .site import CARD, Author, Entry, Term, Tracker
from .store import BodyMissing

if TYPE_CHECKING:
    from .assets import Assets
    from .layouts import Tap
    from .site import Site

_WATCHED = (Entry, Term, Author)
_DICT_ATTRIBUTES = frozenset(dir(dict))  # what ``x.name`` finds on a dict before its items


class TemplateProblem(Exception):
    """A template error with the template's file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


class _WatchedEnvironment(jinja2.Environment):
    """Every ``x.name`` and ``x["name"]`` in a template (filters' ``attribute=`` too) comes through
    here; reads of entries, terms and authors are told to the build's tracker (``site.Tracker``).

    This runs for every attribute a page reads (hundreds per page): card fields, the bulk of
    them, are let through before any other check, and the lookup is Jinja's own, inlined."""

    tracker: Tracker | None = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:  # YAML data (``site.nav``, data files): an item, never an attribute
            try:
                return obj[attribute]  # (Jinja's order would raise and catch an AttributeError first: a fifth of a layout's drawing)
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        if attribute not in CARD and self.tracker is not None and isinstance(obj, _WATCHED):
            self.tracker.read(obj, attribute)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if argument not in CARD and self.tracker is not None and isinstance(obj, _WATCHED) and isinstance(argument, str):
            self.tracker.read(obj, argument)
        return super().getitem(obj, argument)


class Templates:
    """Loads the theme from one folder and renders routes with it."""

    def __init__(self, folder: Path, config: SiteConfig, globals_: dict[str, Any], compiled: Path | None = None) -> None:
        """``compiled``: a folder to keep compiled templates in between processes (keyed by their source)."""
        self.folder = folder
        self.env = _WatchedEnvironment(
            loader=jinja2.FileSystemLoader(folder),
            bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None,  # compiling the theme cost 0.2 s a run
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # Jinja would stat a template file at every extends and include: 150,000 times at 10,000 articles
        )
        self._seen = ""  # digest of the template files the cached compiled templates came from
        self.sources: dict[str, str] = {}  # as read by the last refresh()
        self.env.filters.update(helpers(config))
        self.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}  # readable Chinese in JSON-LD
        self.env.globals.update(globals_, url=self.env.filters["url"], abs_url=self.env.filters["abs_url"])
        self.env.globals["fragment"] = self.fragment
        self._globals = dict(self.env.globals)
        self._fragments: dict[tuple[str, int], tuple[Markup, frozenset[str]]] = {}

    def set_globals(self, **values: Any) -> None:
        """Give templates these names for the builds that follow."""
        self.env.globals.update(values)
        self._globals = dict(self.env.globals)  # (flat: Jinja copies a template's globals for each page from a ChainMap, 25 µs a page)
        self._fragments = {}  # (a build's entries are new objects, and what they show may have changed)

    def fragment(self, name: str, item: Any) -> Markup:
        """``fragment("partials/card.html", item)``: template ``name`` drawn with ``item`` and the
        globals only, once per build for each item, and the same text on every page that shows
        it (an article's card is on its tag, category, author and home pages: escaped and
        formatted once, not four times). What the first drawing read is noted again on every
        page that takes the text (``layouts.facts`` counts ``name`` among the page's templates)."""
        found = self._fragments.get((name, id(item)))
        if found is None:
            found = self._fragments[(name, id(item))] = self._draw_fragment(name, item)
        text, reads = found
        tracker = self.env.tracker
        if reads and tracker is not None and tracker.current is not None:
            tracker.current |= reads
        return text

    def _context(self, template: jinja2.Template, names: dict[str, Any]) -> Context:
        """What ``template`` sees: the globals and ``names``."""
        return new_context(self.env, template.name, template.blocks, {**self._globals, **names}, shared=True, globals=self._globals)

    def _draw_fragment(self, name: str, item: Any) -> tuple[Markup, frozenset[str]]:
        template = self.env.get_template(name)
        ctx = self._context(template, {"item": item})
        tracker = self.env.tracker
        if tracker is None or tracker.current is None:
            return Markup(self.env.concat(template.root_render_func(ctx))), frozenset()
        outer, handed = tracker.current, tracker.handed
        tracker.current, tracker.handed = set(), set()  # (everything it reads, as if on a page that was handed nothing)
        try:
            return Markup(self.env.concat(template.root_render_func(ctx))), frozenset(tracker.current)
        finally:
            tracker.current, tracker.handed = outer, handed

    def refresh(self) -> None:
        """Read every template once per build into ``sources`` (name -> text; ``deps`` digests them
        from there) and forget compiled templates when any changed: read, not trusted by time."""
        self.sources = {
            path.relative_to(self.folder).as_posix(): path.read_bytes().decode("utf-8", errors="replace")
            for path in sorted(self.folder.rglob("*"))
            if path.is_file() and "static" not in path.relative_to(self.folder).parts
        }
        seen = hashlib.blake2b(repr(sorted(self.sources.items())).encode(), digest_size=16).hexdigest()
        if seen != self._seen:
            self.env.cache.clear()  # type: ignore[union-attr]
            self._seen = seen

    @overload
    def render(self, name: str, context: dict[str, Any]) -> str: ...
    @overload
    def render(self, name: str, context: dict[str, Any], tap: Tap) -> bytes: ...
    def render(self, name: str, context: dict[str, Any], tap: Tap | None = None) -> str | bytes:
        """Render template ``name`` (through ``tap`` when given, ``layouts``: then encoded); any
        failure becomes a TemplateProblem naming the template line."""
        try:
            template = self.env.get_template(name)
            ctx = self._context(template, context)
            if tap is not None:
                return tap.render(template, ctx)
            try:
                return self.env.concat(template.root_render_func(ctx))  # (what Template.render does)
            except Exception:  # noqa: BLE001  Jinja maps the traceback to template lines
                self.env.handle_exception()
        except StandInLeaked:
            raise
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


def compiled_settings(config: SiteConfig) -> str:
    """A digest of the settings ``helpers`` close over: Jinja bakes a filter's result into the
    compiled template when its arguments are constants, so compiled templates are kept per these."""
    return hashlib.blake2b(repr((config.base_path, config.base_url, str(config.timezone))).encode(), digest_size=8).hexdigest()


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
    if isinstance(exc, BodyMissing):
        return str(exc)  # (not the template's fault: the message says what to do)
    return f"{type(exc).__name__}: {exc}"


def build_helpers(site: Site, assets: Assets) -> dict[str, Any]:
    """Template functions that read this build's processed images and theme files.

    Each notes what it read in the site's tracker, so a page is drawn again exactly when one
    of its pictures or stylesheets changes (see ``deps``).
    """
    tracker, media = site.tracker, site.media
    base_path, base_url = site.config.base_path.rstrip("/"), site.config.base_url.rstrip("/")

    def local(rel: str) -> str:
        return base_path + quote("/" + rel, safe="/%")

    asset_urls: dict[str, str] = {}  # (quoted once a build, not twice a page)

    def asset(name: str) -> str:
        """URL of a file in templates/static/, fingerprinted in a real build."""
        tracker.touch(f"asset:{name}")
        found = asset_urls.get(name)
        if found is None:
            if name not in assets.urls:
                raise LookupError(f"asset('{name}'): there is no templates/static/{name}")
            found = asset_urls[name] = local(assets.urls[name])
        return found

    def picture(path: str) -> Picture | None:
        rel = path.lstrip("/")
        tracker.touch(f"image:{rel}")
        return media.pictures.get(rel)

    def image(path: str, alt: str, sizes: str = "100vw", eager: bool = False, cls: str = "") -> Markup:
        """A responsive <img> (or <picture>) for a file in content/media/, e.g. ``page.cover``."""
        found = picture(path)
        extra = f'class="{escape(cls)}"' if cls else ""
        if found is None:
            return Markup(f'<img src="{escape(local(path.lstrip("/")))}" alt="{escape(alt)}" loading="lazy" decoding="async"{" " + extra if extra else ""}>')
        return Markup(img_tag(found, local, alt, escape(sizes), eager, extra))

    def thumbnail(path: str, alt: str = "") -> Markup:
        """The square list thumbnail made from a cover; the picture itself for other images."""
        found = picture(path)
        if found is None or found.thumb is None:
            return image(path, alt, sizes="8rem")
        t = found.thumb
        return Markup(f'<img src="{local(t.rel)}" alt="{escape(alt)}" width="{t.width}" height="{t.height}" loading="lazy" decoding="async">')

    def share_image(path: str | None) -> dict[str, Any] | None:
        """The 1200-wide share card made from a cover: {url (absolute), width, height, type}."""
        found = picture(path) if path else None
        if found is None or found.share is None:
            return None
        s = found.share
        return {"url": base_url + quote("/" + s.rel, safe="/%"), "width": s.width, "height": s.height, "type": "image/jpeg"}

    def absolute(path: str) -> str:
        return base_url + path

    def ld_article(page: Entry) -> dict[str, Any]:
        tracker.read_whole(page)
        share = share_image(page.cover)
        return seo.article(page, site.config, absolute, [share["url"]] if share else [])

    return {
        "asset": asset, "image": image, "thumbnail": thumbnail, "share_image": share_image, "ld_article": ld_article,
        "ld_website": lambda: seo.website(site.config, absolute),
        "ld_breadcrumbs": lambda trail: seo.breadcrumbs(trail, absolute),
    }  # fmt: skip
