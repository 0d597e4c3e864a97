"""What a newcomer meets on the index side of the first hour (issue 21): one default index,
named in every help and summary; `remove` of an id that is not there; a link typed without
its scheme; a PDF's date and outlet from its metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFString
from reportlab.pdfgen import canvas

from index import Index, as_link, location, read_paths
from index.ingest.formats import pdf_date
from tests.conftest import REPO

STORY = ("Quillmoor harbour reopened on Monday after a week of repairs, the port authority "
         "said. Ferries to the islands will run twice a day from March.")


# One default location ---------------------------------------------------------------------

def test_in_a_checkout_the_default_index_is_dot_index_newsqa(monkeypatch):
    monkeypatch.delenv("NEWSQA_INDEX", raising=False)
    assert location.default_index_dir() == REPO / ".index" / "newsqa"


def test_installed_the_default_index_is_in_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSQA_INDEX", raising=False)
    monkeypatch.setattr(location, "CHECKOUT", None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert location.default_index_dir() == tmp_path / "newsqa" / "index"


def test_help_names_the_default_index_not_the_one_above(run_cli):
    for command in ("build", "remove", "status"):
        done = run_cli(command, "--help")
        words = " ".join(done.stdout.split())
        assert f"(default: {REPO}/.index/newsqa)" in words, done.stdout
        assert "the one above" not in words
    done = run_cli("status", "--help", NEWSQA_INDEX="postgresql://news:sekrit@db.example/n")
    words = " ".join(done.stdout.split())
    assert "(default: postgresql://news:***@db.example/n, from $NEWSQA_INDEX)" in words
    assert "sekrit" not in done.stdout


def test_a_writes_summary_names_its_index(seeds_copy: Path, tmp_path: Path, run_cli):
    story = tmp_path / "harbour.txt"
    story.write_text(STORY)
    done = run_cli("add", str(story), "--index", str(seeds_copy))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"{seeds_copy}: 1 added, 0 updated")
    done = run_cli("remove", "harbour", "--index", str(seeds_copy), "--json")
    assert json.loads(done.stdout)["index"] == str(seeds_copy)


# remove ------------------------------------------------------------------------------------

def test_removing_an_id_that_is_not_there_is_one_error_line(seeds_copy: Path, run_cli):
    done = run_cli("remove", "does-not-exist", "--index", str(seeds_copy))
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"error: nothing removed: {seeds_copy} has no document `does-not-exist`"]
    assert Index.open(seeds_copy).status().documents == 3


def test_removing_found_and_missing_ids_removes_the_found_and_names_the_missing(
        seeds_copy: Path, run_cli):
    done = run_cli("remove", "000_51fa7298afb77037", "nope", "--index", str(seeds_copy))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "  removed: `000_51fa7298afb77037`" in lines
    assert "  skipped nope: no such document in the index" in lines
    assert lines[-1].startswith(f"{seeds_copy}: 0 added, 0 updated, 1 removed")
    assert Index.open(seeds_copy).status().documents == 2


def test_removing_from_a_folder_that_holds_no_index_creates_none(tmp_path: Path, run_cli):
    done = run_cli("remove", "x", "--index", str(tmp_path / "typo"))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert not (tmp_path / "typo").exists()


# links without a scheme --------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "meant"), [
    ("www.example.com/news", "https://www.example.com/news"),
    (" bbc.co.uk/news/world ", "https://bbc.co.uk/news/world"),
    ("example.com:8080/a?b=1", "https://example.com:8080/a?b=1"),
    ("http://example.com/x", "http://example.com/x"),
    ("report.pdf", None), ("notes.md", None), ("seeds", None), ("localhost/x", None),
])
def test_a_bare_host_is_taken_as_https(typed: str, meant: str | None):
    assert as_link(typed) == meant


def test_the_command_line_takes_a_bare_host_as_an_https_link(tmp_path: Path, run_cli):
    # .invalid never resolves: the skipped line shows what was fetched, without the network.
    done = run_cli("add", "www.example.invalid/news", "--index", str(tmp_path / "index"))
    assert done.returncode == 2, done.stderr
    assert done.stdout.splitlines()[0] == ("  skipped https://www.example.invalid/news: host "
                                           "not found (check the address and the network)")


def test_the_page_takes_a_bare_host_as_an_https_link(seeds_copy: Path):
    from ui.backend import Backend

    [skipped] = Backend(Index.open(seeds_copy)).add_url(" www.example.invalid/news ").skipped
    assert skipped.path == "https://www.example.invalid/news"


# PDF metadata ------------------------------------------------------------------------------

class _Info(PDFInfo):
    """reportlab's document information, with the entries a newsroom's PDF may carry."""

    def __init__(self, entries: dict[str, str]) -> None:
        super().__init__()
        self.entries = entries

    def format(self, document) -> bytes:
        return PDFDictionary({k: PDFString(v) for k, v in self.entries.items()}).format(document)


def _pdf(path: Path, text: str, **entries: str) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    page._doc.info = _Info(entries)
    page.setFont("Helvetica", 11)
    for n, line in enumerate([text[:80], text[80:]]):
        page.drawString(50, 780 - 16 * n, line)
    page.showPage()
    page.save()
    return path


def test_a_pdf_gets_its_date_and_outlet_from_its_metadata(tmp_path: Path):
    path = _pdf(tmp_path / "harbour.pdf", STORY, Title="Harbour reopens", Author="Aiko Tanaka",
                Producer="ReportLab PDF Library", Creator="Word", Publisher="Quillmoor Gazette",
                CreationDate="D:20251118093000+09'00'")
    [article], skipped = read_paths([path])
    assert not skipped
    assert (article.title, article.author, article.outlet, article.published) == (
        "Harbour reopens", "Aiko Tanaka", "Quillmoor Gazette", "2025-11-18")


def test_a_pdf_without_them_has_no_outlet_and_a_printed_dateline_wins(tmp_path: Path):
    path = _pdf(tmp_path / "plain.pdf", "date 2025-12-02 QUILLMOOR: " + STORY,
                Author="anonymous", Producer="ReportLab PDF Library", Title="untitled",
                CreationDate="D:20260105")
    [article], _ = read_paths([path])
    assert (article.outlet, article.author, article.published) == ("", "", "2025-12-02")
    assert article.title != "untitled"


@pytest.mark.parametrize(("written", "iso"), [
    ("D:20251118093000+09'00'", "2025-11-18"), ("D:202511", "2025-11"), ("2025", "2025"),
    ("D:20251340", ""), ("D:20250229", ""), ("yesterday", ""), ("", ""),
])
def test_pdf_dates_read_as_iso(written: str, iso: str):
    assert pdf_date(written) == iso
