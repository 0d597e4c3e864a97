"""Links: a web page or PDF fetched from its URL and read like a file of that kind.

A fetch is whole or it is nothing. It follows redirects (up to MAX_REDIRECTS, a loop
named as one), and one deadline, FETCH_TIMEOUT_SECONDS, covers everything: looking the
name up, connecting, the TLS handshake, the headers and the body, on every hop. A server
that sends a byte now and then never trips a per-read timeout, so a watchdog shuts the
connection down when the deadline passes, whatever read is waiting. A body shorter than
its Content-Length, or a chunked body that stops before its last chunk, is a failed
fetch: the stored article is never replaced by half of itself. Reading stops at the same
size limit as files. Only HTML and PDF responses are read (a PDF sent as
application/octet-stream is known by its first bytes); anything else (an image, a JSON
API, a 404 page) is one line saying why.

Where a fetch may connect is the caller's choice (`allowed`): the command line, run by the
operator, reaches any address; the page, run for whoever can reach it, passes `is_public`
so that nobody can read the server's own or its network's pages through it (SSRF). Each
host name is looked up once per hop, every address it gives is checked, and the
connection is made to a checked address, never to the name again, so a name cannot
answer one address to the check and another to the connection (DNS rebinding). Every
refused address gets the same line, NOT_PUBLIC, before any connection is tried: no
"connection refused" against "timed out" that would map the inside network. Proxies
from the environment are not used, since the check must see the address connected to.

The article's id is the URL's host and path (`index.ingest.ids.url_id`) and its path is
the URL itself, so adding the same link again updates its article and another link with
the same path is kept apart.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, urljoin, urlsplit

from index.display import one_line, shown
from index.ingest.articles import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    Article,
    Skipped,
    Unreadable,
    guarded,
    read_content,
    read_paths,
)
from index.ingest.ids import url_id

FETCH_TIMEOUT_SECONDS = 15.0
MAX_REDIRECTS = 10
USER_AGENT = "newsqa/1.0 (+https://github.com/; indexes news for question answering)"
BLOCK_BYTES = 256 * 1024
# Servers that do not know a file's type send this; a PDF is told by its first bytes.
UNTYPED = "application/octet-stream"
_KINDS = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf"}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What the page says of every address it will not fetch, whichever kind it is.
NOT_PUBLIC = ("refused: the page fetches only public web addresses, not this machine or a "
              "private network (the operator can allow them with --allow-private-links)")
# IPv6 prefixes that carry an IPv4 address a router may hand on: NAT64's well-known prefix.
_NAT64 = ip_network("64:ff9b::/96")

Address = IPv4Address | IPv6Address
# Which addresses a fetch may connect to; None: any (the operator's own command line).
Allowed = Callable[[Address], bool]


def is_url(text: str) -> bool:
    """Whether a command-line argument names a web page rather than a file."""
    return urlsplit(str(text)).scheme in ("http", "https")


# A host name with a dot (www.example.com, example.co.uk:8080) then, optionally, a path.
_BARE_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,63})(?::\d{1,5})?(?:[/?#]\S*)?$",
                        re.IGNORECASE)


def as_link(text: str) -> str | None:
    """`text` as the link a person meant, or None when it is not one: an http(s) URL as it
    is, and a bare host with a dot (`www.example.com/news`, as copied from an address bar
    that hides the scheme) as https. A name ending in a file type this reader reads
    (`notes.md`, `report.pdf`) is a file, not a host; callers ask about existing files first."""
    text = str(text).strip()
    if is_url(text):
        return text
    match = _BARE_HOST.match(text)
    if not match or f".{match.group(1).lower()}" in SUPPORTED_SUFFIXES:
        return None
    return f"https://{text}"


def is_public(address: Address) -> bool:
    """Whether `address` is on the public internet: not loopback, private, link-local,
    shared (100.64/10), reserved, multicast or unspecified, and not an IPv6 form that
    carries such an IPv4 address (IPv4-mapped, 6to4, NAT64)."""
    if isinstance(address, IPv6Address):
        nat64 = IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None
        carried = address.ipv4_mapped or address.sixtofour or nat64
        if carried is not None and not is_public(carried):
            return False
        if address.teredo and not is_public(address.teredo[1]):
            return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or getattr(address, "is_site_local", False))


@dataclass(frozen=True)
class Fetched:
    """A whole response: its body, the file suffix its type reads as, the URL it came from
    after redirects, and the charset its Content-Type names ("" when none)."""

    body: bytes
    suffix: str
    url: str
    charset: str = ""
    headers: Mapping[str, str] | None = None   # the response's, names in lower case


class _Deadline:
    """One time limit for a whole fetch. `left()` is the time a step may still take; when
    the limit passes, every socket the fetch opened is shut down, which ends a read that
    is waiting on a server that trickles, and `passed` says why the read ended."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passed = False
        self._end = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._timer.cancel()

    def left(self) -> float:
        """Seconds left; TimeoutError when there are none."""
        left = self._end - time.monotonic()
        if left <= 0 or self.passed:
            raise TimeoutError
        return left

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes."""
        with self._lock:
            self._sockets.append(sock)
        sock.settimeout(self.left())

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                # The plain socket's own shutdown, for a TLS socket too: it only ends the
                # waiting read; a socket closed already has no descriptor to touch.
                with suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Connection(http.client.HTTPConnection):
    """http.client's request and response over a socket opened to an address already
    checked: the Host header names the host, the connection never looks it up again."""

    def __init__(self, host: str, port: int, opened: Callable[[], socket.socket]) -> None:
        super().__init__(host, port)
        self._opened = opened

    def connect(self) -> None:
        self.sock = self._opened()


class NotModified(Unreadable):
    """A conditional fetch (`If-None-Match`, `If-Modified-Since`) answered 304: what the
    caller already holds is current."""


def fetch_page(url: str, max_bytes: int = MAX_FILE_BYTES,
               timeout: float = FETCH_TIMEOUT_SECONDS, allowed: Allowed | None = None, *,
               headers: Mapping[str, str] | None = None, any_type: bool = False) -> Fetched:
    """The page or PDF at `url`, whole, within `timeout` seconds in all; `allowed`: which
    addresses it may connect to, on every hop (None: any). Unreadable says why not. For a
    caller that reads the body itself (a feed, `index.ingest.feeds`): `headers` are sent
    too, and `any_type` gives back a body of any content type (suffix "" when it is not a
    page or PDF)."""
    with _Deadline(timeout) as deadline:
        try:
            return _follow(url, max_bytes, deadline, allowed, headers or {}, any_type)
        except Unreadable:
            if deadline.passed:
                raise Unreadable(f"timed out after {timeout:g} s") from None
            raise
        except (OSError, http.client.HTTPException) as error:
            if deadline.passed or isinstance(error, TimeoutError):
                raise Unreadable(f"timed out after {timeout:g} s") from None
            raise Unreadable(_reason(error)) from None


def fetch(url: str, max_bytes: int = MAX_FILE_BYTES, timeout: float = FETCH_TIMEOUT_SECONDS,
          allowed: Allowed | None = None, *, headers: Mapping[str, str] | None = None,
          any_type: bool = False, answered: dict[str, str] | None = None) -> tuple[bytes, str, str]:
    """(body, file suffix its content type reads as, final URL after redirects): `fetch_page`
    as a tuple; `answered`, when given, receives the response's headers."""
    page = fetch_page(url, max_bytes, timeout, allowed, headers=headers, any_type=any_type)
    if answered is not None:
        answered.update(page.headers or {})
    return page.body, page.suffix, page.url


def _follow(url: str, max_bytes: int, deadline: _Deadline, allowed: Allowed | None,
            headers: Mapping[str, str], any_type: bool) -> Fetched:
    """Request `url` and each address it redirects to, checking every hop."""
    visited = [url]
    while True:
        connection, response = _request(url, deadline, allowed, headers)
        try:
            location = response.getheader("Location") if response.status in _REDIRECTS else None
            if location is None:
                return _whole(response, url, max_bytes, deadline, any_type)
        finally:
            response.close()
            connection.close()
        target = urljoin(url, location.strip())
        if target in visited:
            raise Unreadable(f"redirect loop: the server sent the link back to {shown(target)}")
        if len(visited) > MAX_REDIRECTS:
            raise Unreadable(f"too many redirects (over {MAX_REDIRECTS})")
        if not is_url(target):
            raise Unreadable(f"redirected to {shown(target)}, which is not a web address")
        visited.append(target)
        url = target


def _request(url: str, deadline: _Deadline, allowed: Allowed | None, headers: Mapping[str, str]
             ) -> tuple[_Connection, http.client.HTTPResponse]:
    """One GET of `url`, sent to an address its host name has (and `allowed` allows)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise Unreadable("not a link: no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Unreadable("not a link: the port is not a number from 0 to 65535") from None
    addresses = _resolve(parts.hostname, port, deadline)
    if allowed is not None and not all(allowed(ip) for ip, _, _ in addresses):
        raise Unreadable(NOT_PUBLIC)
    connection = _Connection(parts.hostname, port,
                             lambda: _open(addresses, parts.hostname if parts.scheme == "https"
                                           else None, deadline))
    # The path and query as sent; any letter outside ASCII percent-encoded, escapes kept.
    target = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                   safe="/%:@!$&'()*+,;=?~")
    try:
        connection.request("GET", target, headers={
            "User-Agent": USER_AGENT, "Accept": "text/html, application/pdf",
            "Connection": "close", **headers})
        return connection, connection.getresponse()
    except BaseException:
        connection.close()
        raise


def _resolve(host: str, port: int, deadline: _Deadline
             ) -> list[tuple[Address, int, tuple]]:
    """(address, socket family, socket address) for each address `host` has, looked up
    once, within the deadline (the lookup runs in a thread, since it cannot be stopped)."""
    found: list[list | BaseException] = []

    def look_up() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as error:  # handed to the caller's thread
            found.append(error)

    lookup = threading.Thread(target=look_up, daemon=True, name="newsqa-link-lookup")
    lookup.start()
    lookup.join(deadline.left())
    if not found:
        raise TimeoutError
    if isinstance(found[0], UnicodeError):
        raise Unreadable("not a link: the host name is not valid")
    if isinstance(found[0], BaseException):
        raise found[0]
    return [(ip_address(str(sockaddr[0]).split("%")[0]), family, sockaddr)
            for family, _, _, _, sockaddr in found[0]]


def _open(addresses: list[tuple[Address, int, tuple]], tls_host: str | None,
          deadline: _Deadline) -> socket.socket:
    """A socket connected to the first of `addresses` that answers (TLS, checked against
    `tls_host`, when given), watched by the deadline."""
    failure: OSError = ConnectionError("the host name has no address")
    for _, family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            deadline.watch(sock)
            sock.connect(sockaddr)
            if tls_host is None:
                return sock
            secure = ssl.create_default_context().wrap_socket(
                sock, server_hostname=tls_host, do_handshake_on_connect=False)
            try:
                deadline.watch(secure)
                secure.do_handshake()
            except BaseException:
                secure.close()
                raise
            return secure
        except TimeoutError:
            sock.close()
            raise
        except OSError as error:
            sock.close()
            failure = error
    raise failure


def _whole(response: http.client.HTTPResponse, url: str, max_bytes: int,
           deadline: _Deadline, any_type: bool = False) -> Fetched:
    """The response read to its end, or Unreadable: an error status, a type that is not
    a page or a PDF (unless `any_type`), too large, or cut short; NotModified for a 304."""
    if response.status == 304:
        raise NotModified("not modified since the last fetch")
    if response.status >= 300:
        raise Unreadable(f"the server answered {response.status} {one_line(response.reason)}")
    kind = response.headers.get_content_type()
    if kind not in _KINDS and kind != UNTYPED and not any_type:
        raise Unreadable(f"not a web page or PDF: the server sent {kind}")
    declared = response.length  # None when the server did not say (chunked, or until close)
    if declared is not None and declared > max_bytes:
        raise Unreadable(_too_large(declared, max_bytes))
    body = _read_until(response, max_bytes, deadline)
    if declared is not None and len(body) < declared:
        raise Unreadable(f"cut short: the connection closed after {len(body):,} of "
                         f"{declared:,} bytes")
    suffix = _KINDS.get(kind) or (".pdf" if body.startswith(b"%PDF-") else "")
    if not suffix and not any_type:
        raise Unreadable(f"not a web page or PDF: the server sent {kind} that is not a PDF "
                         f"either")
    return Fetched(body, suffix, url, response.headers.get_content_charset() or "",
                   {key.lower(): value for key, value in response.headers.items()})


def _read_until(response: http.client.HTTPResponse, max_bytes: int,
                deadline: _Deadline) -> bytes:
    """The body, read in blocks: over `max_bytes` it is refused; ended by the deadline
    (the watchdog shut the socket), it is a timeout, not a short page."""
    blocks, size = [], 0
    while True:
        try:
            block = response.read1(BLOCK_BYTES)  # what has come, without waiting for more
        except http.client.IncompleteRead:
            deadline.left()
            raise Unreadable("cut short: the connection closed before the end of the page"
                             ) from None
        if not block:
            break
        blocks.append(block)
        size += len(block)
        if size > max_bytes:
            raise Unreadable(_too_large(size, max_bytes, at_least=True))
        deadline.left()
    deadline.left()
    return b"".join(blocks)


def _too_large(size: int, limit: int, at_least: bool = False) -> str:
    """`at_least`: reading stopped at the limit, so the real size is unknown."""
    if at_least:
        return f"too large: over the {limit / 2**20:.0f} MB limit"
    return f"too large: {size / 2**20:.1f} MB (limit {limit / 2**20:.0f} MB)"


def _reason(error: OSError | http.client.HTTPException) -> str:
    """A failed connection or a broken answer as one line a person can act on."""
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(error, http.client.HTTPException):
        return f"not a valid HTTP answer: {one_line(str(error) or type(error).__name__)}"
    if isinstance(error, socket.gaierror):
        return "host not found (check the address and the network)"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused: nothing answers at that address"
    return f"cannot connect: {one_line(str(getattr(error, 'strerror', None) or error))}"


def read_url(url: str, max_bytes: int = MAX_FILE_BYTES,
             timeout: float = FETCH_TIMEOUT_SECONDS, allowed: Allowed | None = None
             ) -> tuple[list[Article], list[Skipped]]:
    """The article at `url` with its metadata, or the reason it could not be read;
    `allowed`: which addresses the fetch may connect to (None: any; the page: `is_public`)."""
    def read() -> list[Article | Skipped]:
        page = fetch_page(url, max_bytes, timeout, allowed)
        return read_content(page.body, page.suffix, url_id(page.url), page.url, url,
                            url=page.url, charset=page.charset)

    items = guarded(url, read)
    return ([a for a in items if isinstance(a, Article)],
            [s for s in items if isinstance(s, Skipped)])


def read_sources(paths: Iterable[str | Path], root: Path | None = None
                 ) -> tuple[list[Article], list[Skipped], list[str | Path]]:
    """What a build reads, whatever kind of index it writes to: (the articles of the files
    and folders and of the links among `paths`, what could not be read and why, the file
    paths alone). Links reach any address: a build is the operator's own command."""
    paths = list(paths)
    files = [p for p in paths if not is_url(p)]
    articles, skipped = read_paths(files, root)
    for url in (p for p in paths if is_url(p)):
        fetched, failed = read_url(str(url))
        articles += fetched
        skipped += failed
    return articles, skipped, files
