"""Links: a web page or PDF fetched from its URL and read like a file of that kind.

The fetch follows redirects (urllib's default, up to 10), gives up after
FETCH_TIMEOUT_SECONDS in all, and stops reading at the same size limit as files, so a
huge, endless or trickling response costs no more memory or time than the limits.
Only HTML and PDF responses are read (a PDF sent as application/octet-stream is known
by its first bytes); anything else (an image, a JSON API, a 404 page) is one line
saying why. The article's id is the URL's host and path
(`index.ingest.ids.url_id`) and its path is the URL itself, so adding the same link again
updates its article and another link with the same path is kept apart.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from index.ingest.articles import (
    MAX_FILE_BYTES,
    Article,
    Skipped,
    Unreadable,
    guarded,
    read_content,
    read_paths,
)
from index.ingest.ids import url_id

FETCH_TIMEOUT_SECONDS = 15.0
USER_AGENT = "newsqa/1.0 (+https://github.com/; indexes news for question answering)"
BLOCK_BYTES = 256 * 1024
# Servers that do not know a file's type send this; a PDF is told by its first bytes.
UNTYPED = "application/octet-stream"
_KINDS = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf"}


def is_url(text: str) -> bool:
    """Whether a command-line argument names a web page rather than a file."""
    return urlsplit(str(text)).scheme in ("http", "https")


class NotModified(Unreadable):
    """A conditional fetch (`If-None-Match`, `If-Modified-Since`) answered 304: what the
    caller already holds is current."""


def fetch(url: str, max_bytes: int = MAX_FILE_BYTES,
          timeout: float = FETCH_TIMEOUT_SECONDS, *, headers: Mapping[str, str] | None = None,
          any_type: bool = False, answered: dict[str, str] | None = None
          ) -> tuple[bytes, str, str]:
    """(body, file suffix its content type reads as, final URL after redirects).
    For a caller that reads the body itself (a feed, `index.ingest.feeds`): `headers` are
    sent too, `any_type` gives back a body of any content type (suffix "" when it is not a
    page or PDF), and `answered`, when given, receives the response's headers."""
    if not urlsplit(url).hostname:
        raise Unreadable("not a link: no host name")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/html, application/pdf",
                                                   **(headers or {})})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if answered is not None:
                answered.update((key.lower(), value) for key, value in response.headers.items())
            if kind not in _KINDS and kind != UNTYPED and not any_type:
                raise Unreadable(f"not a web page or PDF: the server sent {kind}")
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                raise Unreadable(_too_large(declared, max_bytes))
            body = _read_until(response, max_bytes, deadline)
            suffix = _KINDS.get(kind) or (".pdf" if body.startswith(b"%PDF-") else "")
            if not suffix and not any_type:
                raise Unreadable(f"not a web page or PDF: the server sent {kind} that is not "
                                 f"a PDF either")
            return body, suffix, response.geturl()
    except urllib.error.HTTPError as error:
        if error.code == 304:
            raise NotModified("not modified since the last fetch") from None
        raise Unreadable(f"the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise Unreadable(_network_reason(error.reason, timeout)) from None
    except TimeoutError:
        raise Unreadable(f"timed out after {timeout:g} s") from None


def _read_until(response: Any, max_bytes: int, deadline: float) -> bytes:
    """The body, read in blocks: over `max_bytes`, or still coming at `deadline` (a server
    that sends a byte now and then never trips the per-read timeout), it is refused."""
    blocks, size = [], 0
    while block := response.read1(BLOCK_BYTES):  # what has come, without waiting for more
        blocks.append(block)
        size += len(block)
        if size > max_bytes:
            raise Unreadable(_too_large(size, max_bytes, at_least=True))
        if time.monotonic() > deadline:
            raise TimeoutError
    return b"".join(blocks)


def _too_large(size: int, limit: int, at_least: bool = False) -> str:
    """`at_least`: reading stopped at the limit, so the real size is unknown."""
    if at_least:
        return f"too large: over the {limit / 2**20:.0f} MB limit"
    return f"too large: {size / 2**20:.1f} MB (limit {limit / 2**20:.0f} MB)"


def _network_reason(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "host not found (check the address and the network)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused: nothing answers at that address"
    return f"cannot connect: {' '.join(str(getattr(reason, 'strerror', None) or reason).split())}"


def read_url(url: str, max_bytes: int = MAX_FILE_BYTES,
             timeout: float = FETCH_TIMEOUT_SECONDS) -> tuple[list[Article], list[Skipped]]:
    """The article at `url` with its metadata, or the reason it could not be read."""
    def read() -> list[Article | Skipped]:
        body, suffix, final = fetch(url, max_bytes, timeout)
        return read_content(body, suffix, url_id(final), final, url, url=final)

    items = guarded(url, read)
    return ([a for a in items if isinstance(a, Article)],
            [s for s in items if isinstance(s, Skipped)])


def read_sources(paths: Iterable[str | Path], root: Path | None = None
                 ) -> tuple[list[Article], list[Skipped], list[str | Path]]:
    """What a build reads, whatever kind of index it writes to: (the articles of the files
    and folders and of the links among `paths`, what could not be read and why, the file
    paths alone)."""
    paths = list(paths)
    files = [p for p in paths if not is_url(p)]
    articles, skipped = read_paths(files, root)
    for url in (p for p in paths if is_url(p)):
        fetched, failed = read_url(str(url))
        articles += fetched
        skipped += failed
    return articles, skipped, files
