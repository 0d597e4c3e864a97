"""A news site on a free local port, for fetching links in tests: a page, a PDF, a redirect,
a 404, responses over the size limit (declared and not), an image, a server too slow, and
servers that misbehave as real ones do: a connection that drops after half the page (with
its whole Content-Length, or chunked), headers sent a byte at a time, a redirect loop, and
a page that says UTF-8 but is Latin-1. `HITS[address]` counts the requests each path of
the site at `address` got, so a test can tell that a refused link was never fetched."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

from bench.samples import newsroom_page, story, two_column_pdf
from index.ingest.articles import MAX_FILE_BYTES

PAGE = "/news/2025/11/talks.html"
PAGE_STORY = 7
# Served whole the first time, then cut short: with its whole Content-Length, or chunked.
FLAKY = "/flaky/story.html"
FLAKY_CHUNKED = "/flaky/chunked.html"
LATIN1 = "/news/latin1.html"
LATIN1_WORDS = "Zürich, where the café résumé of the naïve façade"
HITS: dict[str, Counter[str]] = {}


class _Site(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}
    hits: ClassVar[Counter[str]] = Counter()

    def do_GET(self) -> None:
        self.hits[self.path] += 1
        if self.path in (FLAKY, FLAKY_CHUNKED) and self.hits[self.path] > 1:
            self._cut_short(chunked=self.path == FLAKY_CHUNKED)
        elif self.path == "/slow-headers":  # a header byte now and then: no read times out
            with suppress(OSError):
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(200):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.25)
        elif self.path in ("/loop/a", "/loop/b"):
            self.send_response(302)
            self.send_header("Location", "/loop/b" if self.path == "/loop/a" else "/loop/a")
            self.end_headers()
        elif self.path.startswith("/go?to="):  # a redirect to wherever the query says
            self.send_response(302)
            self.send_header("Location", unquote(self.path.removeprefix("/go?to=")))
            self.end_headers()
        elif self.path == "/moved":
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

    def _cut_short(self, chunked: bool) -> None:
        """Half of the page, then the connection closed: what a dropped connection does."""
        body = self.routes[PAGE][1]
        half = body[:len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s" % (len(body), half))  # a chunk that never ends
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(half)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_site(folder: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """The site's address while it serves on `host`; `folder` holds its PDF."""
    two_column_pdf(folder / "report.pdf", pages=2)
    page = newsroom_page(story(PAGE_STORY)).encode()
    latin1 = newsroom_page(story(PAGE_STORY)).replace("Beijing", LATIN1_WORDS)
    _Site.routes = {
        PAGE: ("text/html; charset=utf-8", page),
        FLAKY: ("text/html; charset=utf-8", page),
        FLAKY_CHUNKED: ("text/html; charset=utf-8", page),
        LATIN1: ("text/html", latin1.encode("latin-1")),
        "/files/report.pdf": ("application/pdf", (folder / "report.pdf").read_bytes()),
        "/logo.png": ("image/png", b"\x89PNG\r\n\x1a\n"),
        "/download?id=7": ("application/octet-stream", (folder / "report.pdf").read_bytes()),
        "/download?id=8": ("application/octet-stream", b"\x89PNG\r\n\x1a\n"),
    }
    handler = type("_SiteServer", (_Site,), {"hits": Counter()})  # counted per server
    with serve(handler, host) as address:
        HITS[address] = handler.hits
        yield address


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[str]:
    """`handler` answering on a free local port, in threads, while the block runs."""
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://{host}:{server.server_address[1]}"
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()
