"""The live preview: build, serve, watch with OS events, rebuild the least, reload, show errors.

The ``livereload`` package does what it does well, the LiveReload protocol and its browser
script; we do the rest, because its own watcher polls every 800 ms and drops any change within
3 s of the last reload. File events come from ``watchdog``; each batch of changes triggers one
incremental build (the Builder keeps its cache in memory), then one message to the browsers:
a stylesheet swap when only CSS changed, a reload otherwise. While a build runs, page requests
wait for it, so nobody sees a half-built site. A failed build keeps the last good pages and
lays the errors over them until a save fixes them.
"""

from __future__ import annotations

import asyncio
import errno
import html
import json
import logging
import mimetypes
import os
import sys
import webbrowser
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import tornado.web
import tornado.websocket
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .config import BuildOptions, Paths
from .errors import BuildError, BuildFailed
from .pipeline import Builder, BuildResult
from .projectlock import one_build_at_a_time

IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part", ".tide-new")
CLIENT_JS = (Path(__file__).parent / "preview_client.js").read_text(encoding="utf-8")
OVERLAY = """<div id="tide-error-overlay" role="alert" style="position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;
background:#2b0f0e;color:#ffd7d3;font:14px/1.6 ui-monospace,Menlo,Consolas,monospace;padding:12px 16px;border-top:4px solid #ff6b5e;white-space:pre-wrap">
<strong style="color:#fff">构建失败，显示的是上一次成功的版本。修好后会自动刷新。</strong>
{messages}</div>
"""


class PreviewTool(Protocol):
    """What a tool around the engine adds to the preview (``build.py serve`` hands the tools in:
    the engine imports none of them): pages of its own, and HTML at the end of every page."""

    def handlers(self, preview: Preview) -> list[tuple[str, type, dict[str, Any]]]: ...

    def decorate(self, preview: Preview, url_path: str, query: dict[str, list[bytes]]) -> str: ...

    def built(self, preview: Preview, result: BuildResult | None, errors: list[BuildError]) -> None: ...


class Preview:
    """One preview session: the builder, the last errors, and who is waiting for what."""

    def __init__(self, paths: Paths, options: BuildOptions, port: int, navigate: bool, tools: tuple[PreviewTool, ...] = ()) -> None:
        self.paths, self.port, self.navigate, self.tools = paths, port, navigate, tools
        self.builder = Builder(paths, options)
        self.builder.search_later = True  # an edit is shown first; the search index follows when a search asks
        self.builder.keep_graph = True
        self.errors: list[BuildError] = []
        self.pending: set[str] = set()
        self.building = False
        self.ready = asyncio.Event()
        self.executor = ThreadPoolExecutor(max_workers=1)  # one build at a time, off the event loop
        self.events: set[EventsSocket] = set()
        self.urls: dict[str, str] = {}  # source path -> URL, for --navigate
        self.generation = 0  # counts builds that changed what a page shows

    # -- building -------------------------------------------------------------------------
    def rebuild(self, changed: set[str] | None = None) -> tuple[BuildResult | None, list[BuildError]]:
        try:
            with one_build_at_a_time(self.paths.root, "the preview"):
                result = self.builder.build(hint=changed)
        except BuildFailed as failed:
            return None, failed.errors
        except Exception as exc:  # noqa: BLE001  the preview must survive anything a save can do
            return None, [BuildError("build", 0, f"internal error: {type(exc).__name__}: {exc}")]
        self.urls = self.builder.urls
        return result, []

    def changed(self, path: str) -> None:
        """Called on the event loop for every file event; starts a build unless one is running."""
        name = os.path.basename(path)
        if name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or name == "4913":  # editors' scratch files
            return
        self.pending.add(path)
        if not self.building:
            self.building = True
            self.ready.clear()
            asyncio.ensure_future(self._build_loop())

    async def _build_loop(self) -> None:
        await asyncio.sleep(0.015)  # one save is often several events: take them as one batch
        loop = asyncio.get_running_loop()
        while self.pending:
            changed, self.pending = self.pending, set()
            result, errors = await loop.run_in_executor(self.executor, self.rebuild, changed)
            self._announce(changed, result, errors)
        self.building = False
        self.ready.set()

    def _announce(self, changed: set[str], result: BuildResult | None, errors: list[BuildError]) -> None:
        had_errors, self.errors = bool(self.errors), errors
        for tool in self.tools:
            tool.built(self, result, errors)
        if errors:
            for error in errors:
                print(error, file=sys.stderr)
            print(f"build failed: {len(errors)} problem(s); showing the last good pages", file=sys.stderr, flush=True)
            self.generation += 1
            broadcast("/")
            return
        assert result is not None
        for warning in result.warnings:
            print(warning, file=sys.stderr, flush=True)
        touched = result.written + result.deleted
        if had_errors:
            print("fixed: build succeeded", flush=True)
        if touched or had_errors:
            took = sum(result.timings.values()) * 1000
            print(f"rebuilt in {took:.0f} ms: {result.rendered} pages drawn, {len(touched)} files changed", flush=True)
        if touched and not had_errors and all(f.endswith(".css") for f in touched):
            for f in touched:
                broadcast("/" + f)  # livereload.js swaps the stylesheet in place
        elif touched or had_errors:
            self.generation += 1
            broadcast("/")
        if self.navigate:
            target = self._edited_url(changed)
            if target:
                for socket in list(self.events):
                    socket.write_message(json.dumps({"navigate": target}))

    def _edited_url(self, changed: set[str]) -> str | None:
        content = str(self.paths.content.resolve())
        for path in sorted(changed):
            rel = os.path.relpath(os.path.realpath(path), content).replace(os.sep, "/")  # (sources are named with "/" everywhere)
            if rel in self.urls:
                return self.urls[rel]
        return None

    def index_search(self) -> None:
        """Bring the search index up to date (in the build thread, as a build)."""
        try:
            with one_build_at_a_time(self.paths.root, "the preview"):
                self.builder.index_search()
        except Exception as exc:  # noqa: BLE001  a failed index shows as the search page's message, never ends the preview
            print(f"search index: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    # -- serving --------------------------------------------------------------------------
    def resolve(self, url_path: str) -> Path | None:
        """The file for a URL path, or None; nothing outside the output folder is ever served."""
        parts = url_path.split("/")
        if any(p in ("..", ".") or "\0" in p or "\\" in p for p in parts):
            return None
        root = os.path.realpath(self.paths.output)
        target = os.path.realpath(os.path.join(root, *[p for p in parts if p]))
        if target != root and not target.startswith(root + os.sep):
            return None  # a symlink pointing out
        if os.path.isdir(target):
            target = os.path.join(target, "index.html")
        return Path(target) if os.path.isfile(target) else None

    def decorate(self, page: bytes, url_path: str = "", query: dict[str, list[bytes]] | None = None) -> bytes:
        """Add the reload script, what the tools add, and the errors when the last build failed,
        to an HTML page (``url_path``, ``query``: what it was asked as)."""
        script = CLIENT_JS.replace("__GENERATION__", str(self.generation))
        extra = f'<script data-tide-generation="{self.generation}">{script}</script>\n<script src="/livereload.js?port={self.port}"></script>\n'
        extra += "".join(tool.decorate(self, url_path, query or {}) for tool in self.tools)

        if self.errors:
            extra += OVERLAY.format(messages="\n".join(html.escape(str(e)) for e in self.errors))
        text = page.decode("utf-8", errors="replace")
        at = text.rfind("</body>")
        return (text[:at] + extra + text[at:] if at >= 0 else text + extra).encode()


def broadcast(path: str) -> None:
    """Tell every connected browser to reload ``path`` (LiveReload protocol 7), with no throttle."""
    message = {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(message)
        except tornado.websocket.WebSocketClosedError:
            LiveReloadHandler.waiters.discard(waiter)


class PageHandler(tornado.web.RequestHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    async def get(self, url_path: str) -> None:
        await self.preview.ready.wait()  # never serve a half-built site
        if url_path.startswith("search-index/") and self.preview.builder.search_stale:
            await asyncio.get_running_loop().run_in_executor(self.preview.executor, self.preview.index_search)
        target = self.preview.resolve(url_path)
        self.set_header("Cache-Control", "no-store")
        if target is None:
            self.set_status(404)
            target = self.preview.resolve("404.html")
            if target is None:
                self.finish("404")
                return
        data = target.read_bytes()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = self.preview.decorate(data, url_path, self.request.query_arguments)
        else:
            self.set_header("Cache-Control", "no-cache")  # revalidated by ETag: a 304 instead of the bytes
        self.set_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith(("xml", "javascript")) else ""))
        self.finish(data)

    head = get


class EventsSocket(tornado.websocket.WebSocketHandler):
    """Our own small channel beside LiveReload's: where to navigate on --navigate."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.preview.events.add(self)
        self.write_message(json.dumps({"generation": self.preview.generation}))

    def on_close(self) -> None:
        self.preview.events.discard(self)


class _Watch(FileSystemEventHandler):
    def __init__(self, loop: asyncio.AbstractEventLoop, preview: Preview) -> None:
        self.loop, self.preview = loop, preview

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self.loop.call_soon_threadsafe(self.preview.changed, os.fsdecode(path))


def serve(
    paths: Paths, host: str, port: int, options: BuildOptions, open_browser: bool = False, navigate: bool = False, tools: tuple[PreviewTool, ...] = ()
) -> int:
    """Build, then serve ``paths.output`` with live reload until Ctrl-C."""
    try:
        return asyncio.run(_serve(paths, host, port, options, open_browser, navigate, tools))
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
        return 0


async def _serve(paths: Paths, host: str, port: int, options: BuildOptions, open_browser: bool, navigate: bool, tools: tuple[PreviewTool, ...]) -> int:
    preview = Preview(paths, options, port, navigate, tools)
    try:
        return await _run(preview, host, port, open_browser)
    finally:
        preview.executor.shutdown(wait=True, cancel_futures=True)
        preview.builder.close()


async def _run(preview: Preview, host: str, port: int, open_browser: bool) -> int:
    paths = preview.paths
    # The first build runs here, before any thread starts, so that it may fork its workers; the
    # rebuilds run beside the server's threads, and their workers are spawned (``processes``).
    result, errors = preview.rebuild()
    preview._announce(set(), result, errors)
    preview.builder.autosave = False  # saving a large cache after every edit costs more than the edit
    if errors and not (paths.output / "index.html").exists():
        print("the first build failed and there is no earlier one to show; fix the errors above and start again", file=sys.stderr)
        return 1
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # the terminal is for build messages
    app = tornado.web.Application([
        (r"/livereload", LiveReloadHandler),
        (r"/livereload.js", LiveReloadJSHandler),
        (r"/_tide/events", EventsSocket, {"preview": preview}),
        *(handler for tool in preview.tools for handler in tool.handlers(preview)),
        (r"/(.*)", PageHandler, {"preview": preview}),
    ])  # fmt: skip
    try:
        server = app.listen(port, host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"port {port} on {host} is busy (another preview?); try: python build.py serve --port {port + 1}", file=sys.stderr)
            return 1
        raise
    observer = Observer()
    handler = _Watch(asyncio.get_running_loop(), preview)
    for folder in (paths.content, paths.templates):
        observer.schedule(handler, str(folder), recursive=True)
    observer.start()
    preview.ready.set()
    url = f"http://{host}:{port}/"
    print(f"preview at {url} (drafts and future articles shown; Ctrl-C stops)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        await asyncio.Event().wait()  # until Ctrl-C
    finally:
        observer.stop()
        observer.join(timeout=2)
        server.stop()
        preview.executor.shutdown(wait=True, cancel_futures=True)
        with one_build_at_a_time(paths.root, "the preview's last save"):
            preview.builder.save()
    return 0
