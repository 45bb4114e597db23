"""The built site served as a plain static host would serve it, on 127.0.0.1 (for browsers and audits).

Missing paths get the site's own 404.html with status 404, as on a real host. Connections are kept
open between requests, as every static host keeps them. ``serving_apart`` runs the server in a
process of its own, for timings (in the test's process it shares one interpreter lock with the
browser's driver).

    python tests/static_server.py FOLDER    # prints its URL, serves until stopped
"""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # (connections kept open)
    disable_nagle_algorithm = True  # (else a response's small writes wait for delayed acknowledgements)
    wbufsize = -1  # (headers and body leave together; flushed after each response)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve ``folder``; yield its base URL, e.g. http://127.0.0.1:40123"""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serving_apart(folder: Path) -> Iterator[str]:
    """``serving``, from a process of its own."""
    server = subprocess.Popen([sys.executable, __file__, str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    with serving(Path(sys.argv[1])) as url:
        print(url, flush=True)
        threading.Event().wait()
