"""The preview: build with drafts, then serve the output on this machine.

Live reload arrives with issue 3; until then this is a plain static server that answers a
missing page with the site's own 404 page and never serves a file outside its folder.
"""

from __future__ import annotations

import errno
import functools
import http.server
import sys
from datetime import datetime
from pathlib import Path

from .config import Paths
from .errors import BuildFailed
from .pipeline import BuildOptions, build


class _Handler(http.server.SimpleHTTPRequestHandler):
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
        pass  # keep the terminal for build messages


def serve(paths: Paths, host: str, port: int, drafts: bool, now: datetime | None) -> int:
    """Build once and serve ``paths.output`` until Ctrl-C."""
    options = BuildOptions(drafts=drafts, future=drafts, now=now, base_url=f"http://{host}:{port}/")
    try:
        result = build(paths, options)
        print(f"built {result.pages} pages")
    except BuildFailed as failed:
        for error in failed.errors:
            print(error, file=sys.stderr)
        if not (paths.output / "index.html").exists():
            return 1
        print("serving the last good build", file=sys.stderr)
    handler = functools.partial(_Handler, directory=str(paths.output))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"port {port} on {host} is busy; try: python build.py serve --port {port + 1}", file=sys.stderr)
            return 1
        raise
    print(f"preview at http://{host}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.server_close()
    return 0
