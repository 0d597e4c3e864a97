"""A news site with feeds on a free local port: the shapes real feeds come in, and the pages
their items link to.

    /feeds/crash.rss   RSS 2.0, five items: two prints of one AP story (edited by each
                       paper), an independent report of the same crash that gives another
                       toll, a library story, and a page that fails the first time it is
                       read. Relative links, a date that is not a date, an item without
                       GUID; ETag and Last-Modified, so asking again with them gets a 304.
    /feeds/world.atom  Atom 1.0 with xml:base and relative links
    /feeds/moved       a 301 to /feeds/crash.rss
    /feeds/not-xml     a web page where the feed should be
    /feeds/broken      bytes that are no XML at all

`add_item` puts a new item at the top of the RSS feed (with a new ETag), as a newsroom
publishes one; `requests` records what was asked, and with which validators.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from bench.samples import Story, newsroom_page
from tests.web_site import serve


def _story(title: str, outlet: str, author: str, published: str, *paragraphs: str) -> Story:
    """A story as `bench.samples.newsroom_page` lays it out (its address is the site's)."""
    return Story(title, outlet, author, published, "", paragraphs)


CRASH_QUESTION = "How many people were killed in the bus crash near Coimbra?"
INJURED_QUESTION = "How many people were injured in the bus crash near Coimbra?"

# The AP story as the Valley Tribune printed it (first), and as the Harbour Gazette did:
# another headline, words changed, the last paragraph cut, a line of its own, and the
# number of injured edited.
TRIBUNE = _story(
    "Bus plunges off highway near Coimbra, killing 15",
    "Valley Tribune", "Associated Press", "2025-11-20T08:10:00+00:00",
    "COIMBRA, Portugal (AP) — Fifteen people were killed and 32 were injured when a "
    "tourist bus plunged off the IC6 highway near Coimbra on Wednesday evening, "
    "Portugal's civil protection agency said.",
    "The bus, operated by the Lisbon company Rota Norte, was returning from a day trip "
    "to the Serra da Estrela mountains when it left the road on a sharp bend and rolled "
    "down an embankment, regional commander Paulo Sequeira told reporters at the scene.",
    "Rescue teams worked through the night to free passengers trapped in the wreckage. "
    "Most of the injured were taken to Coimbra University Hospital, where eight were in "
    "serious condition on Thursday morning.",
    "The cause of the crash was not yet known. Prosecutors have opened an investigation, "
    "and the government declared a day of national mourning for the victims.",
)
GAZETTE = _story(
    "15 dead as tourist bus leaves the road in central Portugal",
    "Harbour Gazette", "Associated Press", "2025-11-20T11:40:00+00:00",
    "COIMBRA, Portugal (AP) — Fifteen people were killed and 34 were injured when a "
    "tourist bus crashed off the IC6 highway near Coimbra on Wednesday evening, "
    "Portugal's civil protection agency said.",
    "The bus, operated by the Lisbon company Rota Norte, was returning from a day trip "
    "to the Serra da Estrela mountains when it left the road on a sharp bend and rolled "
    "down an embankment, regional commander Paulo Sequeira said at the scene.",
    "Rescue teams worked through the night to free passengers trapped in the wreckage. "
    "Most of the injured were taken to Coimbra University Hospital, where eight were in "
    "serious condition on Thursday morning.",
    "Harbour Gazette readers with relatives on the trip can call the consulate hotline.",
)
# Written by a local paper's own reporter: the same crash, other words, another toll.
INDEPENDENT = _story(
    "Twelve die as coach overturns on the IC6",
    "Diario do Centro", "Ines Carvalho", "2025-11-20T09:30:00+00:00",
    "Twelve people were killed when a coach overturned on the IC6 near Coimbra late on "
    "Wednesday, the district hospital said in a statement on Thursday.",
    "Witnesses said the vehicle, which belonged to the operator Rota Norte, swerved to "
    "avoid a lorry before it came off the carriageway. Firefighters from three towns "
    "took part in the rescue, which lasted until dawn.",
    "Hospital director Ana Martins said that families had been arriving since midnight "
    "and that a support centre had been set up in the town hall.",
)
LIBRARY = _story(
    "Bramblewick harbour library reopens after two years",
    "Valley Tribune", "Sam Orr", "2025-11-19T16:00:00+00:00",
    "The harbour library in Bramblewick reopened on Tuesday after two years of repairs "
    "to its flooded basement, the town council said.",
    "Mayor Orla Fenwhistle cut the ribbon in front of about two hundred residents and "
    "promised longer opening hours on weekends.",
)
FLAKY = _story(
    "Ferry timetable changes for the winter",
    "Harbour Gazette", "Lee Park", "2025-11-19T10:00:00+00:00",
    "The island ferry will run four times a day instead of six from December, the "
    "operator said, because of lower demand in the winter months.",
)
LATER = _story(
    "Coimbra crash: driver had rested, operator says",
    "Valley Tribune", "Sam Orr", "2025-11-21T10:00:00+00:00",
    "The driver of the bus that crashed near Coimbra had rested for eleven hours before "
    "the trip, the operator Rota Norte said on Friday, rejecting claims of fatigue.",
)

PAGES = {"/tribune/2025/11/20/bus-crash.html": TRIBUNE, "/gazette/bus-crash.html": GAZETTE,
         "/centro/coach-overturns.html": INDEPENDENT, "/tribune/library.html": LIBRARY,
         "/gazette/ferry.html": FLAKY, "/tribune/driver.html": LATER}


@dataclass
class Site:
    """What the site serves now, and what it was asked."""

    address: str = ""
    items: list[str] = field(default_factory=list)  # RSS <item> elements, newest first
    version: int = 1
    flaky_failures: int = 1  # times /gazette/ferry.html answers 500 before it works
    down: bool = False  # the feeds answer 503
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, If-None-Match)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def etag(self) -> str:
        return f'"crash-{self.version}"'

    def rss(self) -> bytes:
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>"
                "<title>Crash desk</title><link>/</link><description>News as it comes"
                "</description>" + "".join(self.items) + "</channel></rss>").encode()

    def add_item(self, path: str, guid: str, date: str = "Fri, 21 Nov 2025 10:00:00 GMT") -> None:
        """A new item at the top of the RSS feed, which then has a new ETag."""
        with self.lock:
            self.items.insert(0, _item(PAGES[path].title, path, guid, date))
            self.version += 1


def _item(title: str, link: str, guid: str | None, date: str) -> str:
    guid_xml = f"<guid isPermaLink=\"false\">{guid}</guid>" if guid else ""
    return (f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f"{guid_xml}<pubDate>{date}</pubDate></item>")


def _atom(address: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{address}/tribune/">
  <title>Valley Tribune: world</title><id>urn:tribune:world</id>
  <updated>2025-11-20T09:00:00Z</updated>
  <entry><title>Bus plunges off highway near Coimbra</title><id>urn:tribune:1001</id>
    <link rel="alternate" href="2025/11/20/bus-crash.html"/>
    <updated>2025-11-20T08:10:00Z</updated></entry>
  <entry><title>Library reopens</title><id>urn:tribune:998</id>
    <link rel="alternate" href="library.html"/>
    <published>2025-11-19T16:00:00Z</published></entry>
</feed>""".encode()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path
            with site.lock:
                site.requests.append((path, self.headers.get("If-None-Match") or ""))
            if path.startswith("/feeds/") and site.down:
                self.send_error(503, "Service Unavailable")
            elif path == "/feeds/crash.rss":
                if self.headers.get("If-None-Match") == site.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self._send("application/rss+xml; charset=utf-8", site.rss(),
                           {"ETag": site.etag, "Last-Modified": "Thu, 20 Nov 2025 12:00:00 GMT"})
            elif path == "/feeds/world.atom":
                self._send("application/atom+xml", _atom(site.address))
            elif path == "/feeds/moved":
                self.send_response(301)
                self.send_header("Location", "/feeds/crash.rss")
                self.end_headers()
            elif path == "/feeds/not-xml":
                self._send("text/html", b"<html><body><h1>Our feeds</h1><p>Subscribe!</p></body></html>")
            elif path == "/feeds/broken":
                self._send("application/octet-stream", b"\x89PNG\r\n\x1a\n\x00\x00 not xml")
            elif path == "/gazette/ferry.html" and site.flaky_failures > 0:
                with site.lock:
                    site.flaky_failures -= 1
                self.send_error(500, "Internal Server Error")
            elif path in PAGES:
                story = PAGES[path]
                page = newsroom_page(Story(story.title, story.outlet, story.author, story.published,
                                           f"{site.address}{path}", story.paragraphs))
                self._send("text/html; charset=utf-8", page.encode())
            else:
                self.send_error(404, "Not Found")

        def _send(self, kind: str, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_feeds() -> Iterator[Site]:
    """The site while it serves; the RSS feed starts with its five items."""
    site = Site()
    with serve(_handler(site)) as address:
        site.address = address
        site.items = [
            _item(TRIBUNE.title, "/tribune/2025/11/20/bus-crash.html", "tribune-1001",
                  "Thu, 20 Nov 2025 08:10:00 GMT"),
            # An absolute link, no GUID, and a date that is not one.
            _item(GAZETTE.title, f"{address}/gazette/bus-crash.html", None, "yesterday-ish"),
            _item(INDEPENDENT.title, "/centro/coach-overturns.html", "centro-77",
                  "Thu, 20 Nov 2025 09:30:00 GMT"),
            _item(LIBRARY.title, "../tribune/library.html", "tribune-998",
                  "Wed, 19 Nov 2025 16:00:00 GMT"),
            _item(FLAKY.title, "/gazette/ferry.html", "gazette-55", "Wed, 19 Nov 2025 10:00:00 GMT"),
        ]
        yield site
