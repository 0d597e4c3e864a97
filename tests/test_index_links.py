"""`python -m index add https://...` against pages served by a real local HTTP server: a news
page and a PDF go in with their metadata; a 404, a response over the size limit, a file
that is neither a page nor a PDF, a host that does not exist and a server too slow to answer
are each one line saying why, and the exit status says how much went in."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from ipaddress import ip_address
from pathlib import Path

import pytest

from bench.samples import story
from index import Index, Skipped
from index.ingest.links import NOT_PUBLIC, is_public, read_url
from tests.web_site import (
    FLAKY,
    FLAKY_CHUNKED,
    HITS,
    LATIN1,
    LATIN1_WORDS,
    PAGE,
    PAGE_STORY,
    serve_site,
)
from ui.backend import Backend, ReadOnly


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_site(tmp_path_factory.mktemp("site")) as address:
        yield address


def test_add_a_page_and_a_pdf_by_link(site: str, seeds_copy: Path, run_cli) -> None:
    done = run_cli("add", f"{site}/moved", f"{site}/files/report.pdf", "--index",
                   str(seeds_copy), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(report["added_ids"]) == ["127.0.0.1/files/report",
                                          "127.0.0.1/news/2025/11/talks"]
    index = Index.open(seeds_copy)
    page = index.article("127.0.0.1/news/2025/11/talks")
    s = story(PAGE_STORY)
    assert s.paragraphs[0] in page.text and "Related stories" not in page.text
    assert (page.title, page.outlet, page.author, page.published, page.url) == (
        s.title, s.outlet, s.author, "2025-11-18", s.url)
    pdf = index.article("127.0.0.1/files/report")
    assert (pdf.url, len(pdf.pages), pdf.page_of(pdf.text.index("Page 2 marker"))) == (
        f"{site}/files/report.pdf", 2, 2)
    again = run_cli("add", f"{site}/files/report.pdf", "--index", str(seeds_copy))
    assert again.returncode == 0
    assert again.stdout.strip().startswith(f"{seeds_copy}: 0 added, 0 updated, 0 removed, "
                                           "1 unchanged, 0 skipped; 0 chunks embedded")


def test_failed_links_are_one_line_each_and_set_the_exit_status(
        site: str, seeds_copy: Path, run_cli) -> None:
    done = run_cli("add", f"{site}/gone.html", f"{site}/huge.pdf", f"{site}/endless",
                   f"{site}/logo.png", "http://no-such-host.invalid/x", "--index",
                   str(seeds_copy))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = {line.split(": ", 1)[0].removeprefix("  skipped "): line.split(": ", 1)[1]
             for line in done.stdout.splitlines() if line.startswith("  skipped ")}
    assert lines == {
        f"{site}/gone.html": "the server answered 404 Not Found",
        f"{site}/huge.pdf": "too large: 20.0 MB (limit 20 MB)",
        f"{site}/endless": "too large: over the 20 MB limit",
        f"{site}/logo.png": "not a web page or PDF: the server sent image/png",
        "http://no-such-host.invalid/x": "host not found (check the address and the network)",
    }
    assert done.stdout.strip().splitlines()[-1].startswith(
        f"{seeds_copy}: 0 added, 0 updated, 0 removed, 0 unchanged, 5 skipped")
    mixed = run_cli("add", f"{site}/gone.html", f"{site}/news/2025/11/talks.html",
                    "--index", str(seeds_copy))
    assert mixed.returncode == 1


@pytest.mark.parametrize("path", ["/slow", "/trickle"])
def test_a_server_too_slow_to_answer_times_out(site: str, path: str) -> None:
    started = time.perf_counter()
    articles, [skipped] = read_url(f"{site}{path}", timeout=0.5)
    assert articles == [] and skipped.reason == "timed out after 0.5 s"
    assert time.perf_counter() - started < 2.5


def test_a_pdf_sent_without_its_type_is_known_by_its_first_bytes(site: str) -> None:
    [pdf], [] = read_url(f"{site}/download?id=7")
    assert (pdf.doc_id, len(pdf.pages)) == ("127.0.0.1/download", 2)
    [], [image] = read_url(f"{site}/download?id=8")
    assert image.reason == ("not a web page or PDF: the server sent application/octet-stream "
                            "that is not a PDF either")


def test_the_page_backend_adds_a_link_and_a_read_only_one_refuses(site: str,
                                                                  seeds_copy: Path) -> None:
    backend = Backend(Index.open(seeds_copy), private_links=True)
    report = backend.add_url(f"  {site}{PAGE} ")
    assert report.added_ids == ("127.0.0.1/news/2025/11/talks",)
    [not_link] = backend.add_url("talks.html").skipped
    assert not_link.line() == ("talks.html: not a link: give an address like "
                               "https://www.example.com/news")
    with pytest.raises(ReadOnly):
        Backend(Index.open(seeds_copy), read_only=True).add_url(f"{site}/files/report.pdf")


# A connection that drops, a server that trickles, a redirect loop ---------------------


@pytest.mark.parametrize("path", [FLAKY, FLAKY_CHUNKED])
def test_a_connection_dropped_mid_page_leaves_the_stored_article_as_it_was(
        site: str, path: str, seeds_copy: Path, run_cli) -> None:
    """Issue 20.1: the second fetch sends half the page (with the whole Content-Length, or
    a chunk that never ends); it used to replace the article with that half, "1 updated"."""
    first = run_cli("add", f"{site}{path}", "--index", str(seeds_copy), "--json")
    assert first.returncode == 0, first.stderr
    [doc_id] = json.loads(first.stdout)["added_ids"]
    whole = Index.open(seeds_copy).article(doc_id).text
    again = run_cli("add", f"{site}{path}", "--index", str(seeds_copy))
    assert again.returncode == 2, again.stdout
    assert "Traceback" not in again.stderr
    [line] = [x for x in again.stdout.splitlines() if x.startswith("  skipped ")]
    assert line.startswith(f"  skipped {site}{path}: cut short: the connection closed ")
    assert ": 0 added, 0 updated, 0 removed, 0 unchanged, 1 skipped" in again.stdout.strip().splitlines()[-1]
    assert Index.open(seeds_copy).article(doc_id).text == whole


def test_headers_sent_a_byte_at_a_time_cannot_hold_a_fetch_past_its_deadline(site: str) -> None:
    """Issue 20.6: one deadline covers connecting, the headers and the body; a server that
    sends a header byte every 0.25 s used to hold the fetch for as long as it liked."""
    started = time.perf_counter()
    articles, [skipped] = read_url(f"{site}/slow-headers", timeout=1)
    assert articles == [] and skipped.reason == "timed out after 1 s"
    assert time.perf_counter() - started < 2.5


def test_a_redirect_loop_is_one_line_in_the_summary_and_in_json(site: str, seeds_copy: Path,
                                                              run_cli) -> None:
    done = run_cli("add", f"{site}/loop/a", "--index", str(seeds_copy), "--json")
    assert done.returncode == 2, done.stderr
    [skipped] = json.loads(done.stdout)["skipped"]
    assert skipped == {"path": f"{site}/loop/a",
                       "reason": f"redirect loop: the server sent the link back to {site}/loop/a"}


def test_a_page_that_says_utf8_but_is_latin1_is_read_as_latin1(site: str) -> None:
    [page], [] = read_url(f"{site}{LATIN1}")
    assert LATIN1_WORDS in page.text


# Addresses the page may not fetch --------------------------------------------------------


def _port(site: str) -> int:
    return int(site.rsplit(":", 1)[1])


INSIDE = ["http://127.0.0.1:{port}{page}", "http://localhost:{port}{page}",
          "http://0x7f000001:{port}{page}", "http://127.1:{port}{page}",
          "http://2130706433:{port}{page}", "http://[::1]:{port}{page}",
          "http://[::ffff:127.0.0.1]:{port}{page}", "http://[::ffff:7f00:1]:{port}{page}",
          "http://0.0.0.0:{port}{page}", "http://[::]:{port}{page}",
          "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/",
          "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://100.64.0.1/",
          "http://[fd00::1]/", "http://224.0.0.1/", "http://[ff02::1]/", "http://240.0.0.1/",
          "http://[64:ff9b::7f00:1]:{port}{page}", "http://[2002:7f00:1::]:{port}{page}"]


def test_links_to_this_machine_or_a_private_network_are_refused_before_connecting(
        site: str) -> None:
    """Issue 20.5: in every spelling of an inside address, each refused with one line that
    says nothing of what is there (no "connection refused" against "timed out")."""
    started, fetched = time.perf_counter(), HITS[site].total()
    for form in INSIDE:
        link = form.format(port=_port(site), page=PAGE)
        articles, skipped = read_url(link, allowed=is_public)
        assert (articles, skipped) == ([], [Skipped(link, NOT_PUBLIC)]), link
    assert HITS[site].total() == fetched
    assert time.perf_counter() - started < 5   # nothing was waited for


def test_every_redirect_is_checked_before_it_is_followed(site: str, tmp_path: Path) -> None:
    """A link allowed at first that redirects inside is refused at that hop, unfetched."""
    with serve_site(tmp_path, host="127.0.0.2") as inside:
        first = ip_address("127.0.0.1")
        link = f"{site}/go?to={inside}{PAGE}"
        articles, [skipped] = read_url(link, allowed=lambda ip: ip == first)
        assert (articles, skipped.reason) == ([], NOT_PUBLIC)
        assert HITS[site][f"/go?to={inside}{PAGE}"] == 1 and sum(HITS[inside].values()) == 0
        [page], [] = read_url(link)      # the command line's reach: anything
        assert page.doc_id == "127.0.0.2/news/2025/11/talks" and HITS[inside][PAGE] == 1


def test_the_address_checked_is_the_address_connected_to(site: str, monkeypatch) -> None:
    """DNS rebinding: a name that answers with an allowed address when checked and another
    when connected to. The name is looked up once per hop and that address is used."""
    answers = iter(["127.0.0.1", "127.0.0.2", "127.0.0.2"])
    looked_up = []
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        looked_up.append(host)
        return real(next(answers), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    first = ip_address("127.0.0.1")
    [page], [] = read_url(f"http://rebind.example:{_port(site)}{PAGE}",
                          allowed=lambda ip: ip == first)
    assert page.doc_id == "rebind.example/news/2025/11/talks" and looked_up == ["rebind.example"]


def test_the_page_refuses_inside_links_unless_its_operator_allows_them(site: str,
                                                                     seeds_copy: Path) -> None:
    index = Index.open(seeds_copy)
    before, fetched = index.documents(), HITS[site].total()
    for form in INSIDE[:6]:
        report = Backend(index).add_url(form.format(port=_port(site), page=PAGE))
        assert [s.reason for s in report.skipped] == [NOT_PUBLIC]
    assert index.documents() == before and HITS[site].total() == fetched
    allowed = Backend(index, private_links=True).add_url(f"{site}{PAGE}")
    assert allowed.added_ids == ("127.0.0.1/news/2025/11/talks",)
