"""`python -m index add https://...` against pages served by a real local HTTP server: a news
page and a PDF go in with their metadata; a 404, a response over the size limit, a file
that is neither a page nor a PDF, a host that does not exist and a server too slow to answer
are each one line saying why, and the exit status says how much went in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.samples import story
from index import Index
from index.ingest.links import read_url
from tests.web_site import PAGE, PAGE_STORY, serve_site
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
    backend = Backend(Index.open(seeds_copy))
    report = backend.add_url(f"  {site}{PAGE} ")
    assert report.added_ids == ("127.0.0.1/news/2025/11/talks",)
    [not_link] = backend.add_url("talks.html").skipped
    assert not_link.line() == ("talks.html: not a link: give an address like "
                               "https://www.example.com/news")
    with pytest.raises(ReadOnly):
        Backend(Index.open(seeds_copy), read_only=True).add_url(f"{site}/files/report.pdf")
