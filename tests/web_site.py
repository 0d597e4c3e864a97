"""A news site on a free local port, for fetching links in tests: a page, a PDF, a redirect,
a 404, responses over the size limit (declared and not), an image and a server too slow."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from bench.samples import newsroom_page, story, two_column_pdf
from index.ingest.articles import MAX_FILE_BYTES

PAGE = "/news/2025/11/talks.html"
PAGE_STORY = 7


class _Site(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", PAGE)
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/trickle":  # a byte at a time: no single read ever times out
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with suppress(OSError):
                for _ in range(40):
                    self.wfile.write(b"<p>")
                    self.wfile.flush()
                    time.sleep(0.1)
        elif self.path == "/endless":  # no Content-Length: only reading tells the size
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65536 + b"</p>"
            with suppress(OSError):  # the reader hangs up once it has seen enough
                for _ in range(MAX_FILE_BYTES // len(chunk) + 2):
                    self.wfile.write(chunk)
        elif self.path == "/huge.pdf":  # says its size up front
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(MAX_FILE_BYTES + 1))
            self.end_headers()
        elif self.path in self.routes:
            kind, body = self.routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_site(folder: Path) -> Iterator[str]:
    """The site's address while it serves; `folder` holds its PDF."""
    two_column_pdf(folder / "report.pdf", pages=2)
    _Site.routes = {
        PAGE: ("text/html; charset=utf-8", newsroom_page(story(PAGE_STORY)).encode()),
        "/files/report.pdf": ("application/pdf", (folder / "report.pdf").read_bytes()),
        "/logo.png": ("image/png", b"\x89PNG\r\n\x1a\n"),
        "/download?id=7": ("application/octet-stream", (folder / "report.pdf").read_bytes()),
        "/download?id=8": ("application/octet-stream", b"\x89PNG\r\n\x1a\n"),
    }
    with serve(_Site) as address:
        yield address


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` answering on a free local port, in threads, while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
