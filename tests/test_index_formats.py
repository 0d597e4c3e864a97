"""Web pages, PDFs, Markdown front matter and JSON metadata, read from real files into a real
index: the stored text holds the story and not the page around it, the metadata is right,
a PDF's pages are known, and what cannot be read says why in one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bench.samples import (
    BOILERPLATE,
    LEFT,
    RIGHT,
    newsroom_page,
    scanned_pdf,
    story,
    two_column_pdf,
    wordpress_page,
)
from index import Index, read_paths
from tests.conftest import copy_index


@pytest.mark.parametrize("layout", [wordpress_page, newsroom_page])
def test_a_news_page_keeps_the_story_and_its_metadata_and_drops_the_page_around_it(
        tmp_path: Path, layout) -> None:
    s = story(3)
    page = tmp_path / "talks.html"
    page.write_text(layout(s), encoding="utf-8")
    [article], skipped = read_paths([page])
    assert not skipped
    for paragraph in s.paragraphs:
        assert paragraph in article.text
    assert [b for b in BOILERPLATE if b in article.text] == []
    assert (article.title, article.outlet, article.author, article.published, article.url) == (
        s.title, s.outlet, s.author, "2025-11-18", s.url)
    assert article.extracted_by == "trafilatura"


def test_a_page_in_its_own_charset_is_read_in_it(tmp_path: Path) -> None:
    """Japanese and Chinese news sites still serve Shift_JIS and GB2312 pages."""
    body = "東京で日中両政府の高官による会談が行われた。双方は海上連絡体制の強化で一致した。" * 3
    page = (f'<html><head><meta charset="shift_jis"><title>日中会談</title></head><body>'
            f'<article><h1>日中会談</h1><p>{body}</p></article></body></html>')
    (tmp_path / "kaidan.html").write_bytes(page.encode("shift_jis"))
    [article], skipped = read_paths([tmp_path / "kaidan.html"])
    assert (skipped, article.title) == ([], "日中会談")
    assert body in article.text


def test_a_page_with_no_article_markup_falls_back_to_its_visible_text(tmp_path: Path) -> None:
    page = tmp_path / "list.html"
    page.write_text("<html><head><title>Notes</title></head><body><ul><li>Port opens</li>"
                    "</ul></body></html>", encoding="utf-8")
    [article], _ = read_paths([page])
    assert (article.text, article.title, article.extracted_by) == (
        "Port opens", "Notes", "visible text")


def test_a_two_column_pdf_reads_column_by_column_and_knows_its_pages(tmp_path: Path) -> None:
    path = tmp_path / "harbour.pdf"
    markers = two_column_pdf(path, pages=3)
    [article], skipped = read_paths([path])
    assert not skipped
    assert (article.title, article.author, article.extracted_by) == (
        "Harbour report", "Port Desk", "pypdfium2")
    assert len(article.pages) == 3
    flat = " ".join(article.text.split())
    # Left column whole, then the right one: no line of one column between lines of the other.
    assert f"{markers[0]}. {LEFT}" in flat and RIGHT in flat
    assert flat.index(RIGHT) > flat.index(LEFT)
    for number, marker in enumerate(markers, start=1):
        at = article.text.index(marker)
        assert article.page_of(at) == number
        assert article.text[article.pages[number - 1]:].startswith(marker)
    assert article.page_of(len(article.text) - 1) == 3
    assert article.page_of(len(article.text) + 5) is None


def test_pages_survive_the_index_and_an_index_without_them_still_opens(
        seeds_copy: Path, tmp_path: Path) -> None:
    """An index made before the metadata column opens, reads, and takes PDFs."""
    old = copy_index(seeds_copy, tmp_path / "old")
    with sqlite3.connect(old / "index.sqlite") as db:
        db.execute("ALTER TABLE documents DROP COLUMN extra")
    path = tmp_path / "harbour.pdf"
    two_column_pdf(path, pages=2)
    index = Index.open(old)
    first = index.documents()[0]["doc_id"]
    seeded = index.article(first)
    assert (seeded.doc_id, seeded.author, seeded.pages) == (first, "", ())
    report = index.add([path])
    assert report.added_ids == ("harbour",)
    stored = Index.open(old).article("harbour")
    assert stored.pages == read_paths([path])[0][0].pages
    assert stored.page_of(stored.pages[1]) == 2


def test_scanned_encrypted_and_damaged_pdfs_are_skipped_with_a_reason(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    scanned_pdf(tmp_path / "scan.pdf")
    two_column_pdf(tmp_path / "plain.pdf", pages=1)
    writer = PdfWriter()
    writer.append(PdfReader(tmp_path / "plain.pdf"))
    writer.encrypt("secret")
    with open(tmp_path / "locked.pdf", "wb") as out:
        writer.write(out)
    (tmp_path / "broken.pdf").write_bytes((tmp_path / "plain.pdf").read_bytes()[:400])
    (tmp_path / "plain.pdf").unlink()
    articles, skipped = read_paths([tmp_path])
    assert articles == []
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons["scan.pdf"].startswith("no text layer: scanned PDF; run OCR first")
    assert reasons["locked.pdf"].startswith("encrypted PDF: it needs a password")
    assert reasons["broken.pdf"].startswith("damaged PDF")
    assert all("\n" not in r for r in reasons.values())


def test_markdown_front_matter_becomes_metadata_and_leaves_the_text(tmp_path: Path) -> None:
    body = "Officials met in Beijing on Tuesday.\n\nThey agreed to meet again.\n"
    (tmp_path / "talks.md").write_text(
        "---\ntitle: Talks resume\noutlet: Kyodo News\nauthor: Aiko Tanaka\n"
        "date: 2025-11-18\nurl: https://example.com/talks\n---\n" + body, encoding="utf-8")
    (tmp_path / "rule.md").write_text("---\n\nA story that opens with a rule.\n")
    ruled = "---\nA story between rules.\n---\nMore of it.\n"
    (tmp_path / "ruled.md").write_text(ruled)
    articles, _ = read_paths([tmp_path])
    by_id = {a.doc_id: a for a in articles}
    talks = by_id["talks"]
    assert talks.text == body
    assert (talks.title, talks.outlet, talks.author, talks.published, talks.url) == (
        "Talks resume", "Kyodo News", "Aiko Tanaka", "2025-11-18", "https://example.com/talks")
    assert by_id["rule"].text.startswith("---\n")  # no closing line: not front matter
    assert by_id["ruled"].text == ruled  # lines that are not fields: not front matter


def test_json_fields_under_either_name_become_metadata(tmp_path: Path) -> None:
    records = [{"id": "a", "text": "Story A.", "outlet": "Kyodo News",
                "published": "2025-11-18T09:30:00+09:00", "author": ["Aiko Tanaka", "Li Wei"],
                "url": "https://example.com/a"},
               {"id": "b", "text": "Story B.", "source": "Reuters", "date": "2025-11-03"}]
    (tmp_path / "feed.jsonl").write_text("\n".join(map(json.dumps, records)))
    articles, _ = read_paths([tmp_path / "feed.jsonl"])
    a, b = articles
    assert (a.outlet, a.published, a.author, a.url) == (
        "Kyodo News", "2025-11-18T09:30:00+09:00", "Aiko Tanaka, Li Wei", "https://example.com/a")
    assert (b.outlet, b.published, b.author) == ("Reuters", "2025-11-03", "")
    assert a.to_dict()["outlet"] == "Kyodo News" and b.to_dict()["published"] == "2025-11-03"


def test_a_stray_nul_in_text_is_dropped_and_a_pdf_with_no_pages_says_so(
        tmp_path: Path, seeds_copy: Path, run_cli, article_text) -> None:
    """Issue 20.10: a text file with a stray NUL among ordinary text (17 of RAMDocs' 2,766
    documents) was skipped whole as binary; a PDF with no pages said "PDFium: Success"."""
    from pypdf import PdfWriter

    text = article_text("nulmarker")
    middle = len(text) // 2
    (tmp_path / "stray.txt").write_bytes(f"{text[:middle]}\x00{text[middle:]}".encode())
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20)
    with open(tmp_path / "empty.pdf", "wb") as out:
        PdfWriter().write(out)
    done = run_cli("add", str(tmp_path / "stray.txt"), str(tmp_path / "image.txt"),
                   str(tmp_path / "empty.pdf"), "--index", str(seeds_copy), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["added_ids"] == ["stray"]
    assert {Path(s["path"]).name: s["reason"] for s in report["skipped"]} == {
        "image.txt": "binary file (contains NUL bytes)",
        "empty.pdf": "PDF has no pages: there is nothing in it to read"}
    assert Index.open(seeds_copy).article("stray").text == text
