"""Reading files: every supported format, and bad input skipped with a reason per file."""

from __future__ import annotations

import json

import pytest

from index import Index, read_paths

HTML = """<!doctype html>
<html><head><title>Foxtrot &amp; Co report</title>
<style>.headline { color: red; } /* STYLESECRET */</style>
<script>var tracker = "HEADSCRIPTSECRET";</script></head>
<body><h1>Foxtrot headline</h1>
<p>Visible paragraph about foxes crossing the <b>river</b> at dawn.</p>
<script type="text/javascript">document.write("BODYSCRIPTSECRET");</script>
<p>Second paragraph with &lt;escaped&gt; markup.</p></body></html>
"""

JSONL_RECORDS = [
    {"id": "echo-1", "text": "Echo one: the council approved the budget on Monday.",
     "title": "Echo one title", "date": "2025-07-01", "url": "https://example.org/echo/1",
     "source": "Echo Wire"},
    {"id": "echo-2", "text": "Echo two: investors sold shares after the vote.",
     "title": "Echo two title", "date": "2025-07-02", "url": "https://example.org/echo/2",
     "source": "Echo Daily"},
]


@pytest.fixture
def format_folder(tmp_path):
    folder = tmp_path / "formats"
    folder.mkdir()
    (folder / "alpha.txt").write_text(
        "date 2025-03-04 LONDON: Alpha story about wombats.\nA second line of alpha.\n")
    (folder / "bravo.md").write_text("# Bravo headline\n\nBravo body about *markets* and trade.\n")
    (folder / "charlie.json").write_text(json.dumps(
        {"text": "Charlie body: the summit ended without agreement.", "title": "Charlie title",
         "date": "2025-05-06", "url": "https://example.org/c", "source": "Charlie Times"}))
    (folder / "delta.json").write_text(json.dumps([
        {"text": "Delta first record about energy prices.", "title": "Delta one"},
        {"id": "delta-two", "text": "Delta second record about the election."}]))
    (folder / "echo.jsonl").write_text(
        "\n".join(json.dumps(r) for r in JSONL_RECORDS[:1]) + "\n\n"
        + json.dumps(JSONL_RECORDS[1]) + "\n")
    (folder / "foxtrot.html").write_text(HTML)
    return folder


def test_every_format_is_read_with_its_metadata(format_folder):
    articles, skipped = read_paths([format_folder])
    assert skipped == []
    by_id = {a.doc_id: a for a in articles}
    assert set(by_id) == {"alpha", "bravo", "charlie", "delta:1", "delta-two", "echo-1",
                          "echo-2", "foxtrot"}

    alpha = by_id["alpha"]
    assert alpha.text == (format_folder / "alpha.txt").read_text()
    assert (alpha.date, alpha.title) == ("2025-03-04", "LONDON: Alpha story about wombats.")
    bravo = by_id["bravo"]
    assert bravo.text == (format_folder / "bravo.md").read_text()
    assert "Bravo headline" in bravo.title

    charlie = by_id["charlie"]
    assert charlie.text == "Charlie body: the summit ended without agreement."
    assert (charlie.title, charlie.date, charlie.url, charlie.source) == (
        "Charlie title", "2025-05-06", "https://example.org/c", "Charlie Times")
    assert by_id["delta:1"].title == "Delta one"
    assert by_id["delta-two"].text == "Delta second record about the election."
    assert by_id["delta-two"].title == "Delta second record about the election."
    for record in JSONL_RECORDS:
        article = by_id[record["id"]]
        assert (article.text, article.title, article.date, article.url, article.source) == (
            record["text"], record["title"], record["date"], record["url"], record["source"])
        assert article.path == str(format_folder / "echo.jsonl")

    foxtrot = by_id["foxtrot"]
    # The story's headline, not the browser tab's <title>; it is metadata, not body text.
    assert (foxtrot.title, foxtrot.extracted_by) == ("Foxtrot headline", "trafilatura")
    assert "Visible paragraph about foxes crossing the river at dawn." in foxtrot.text
    assert "Second paragraph with <escaped> markup." in foxtrot.text
    for hidden in ("STYLESECRET", "color: red", "HEADSCRIPTSECRET", "BODYSCRIPTSECRET",
                   "document.write", "<p>", "Foxtrot & Co report"):
        assert hidden not in foxtrot.text


def test_every_format_is_indexed_and_searchable(format_folder, tmp_path):
    index = Index.open(tmp_path / "index")
    report = index.build([format_folder])
    assert (report.added, report.skipped) == (8, ())
    rows = {d["doc_id"]: d for d in index.documents()}
    assert len(rows) == 8 and all(row["chunks"] >= 1 for row in rows.values())
    assert index.article("echo-2").source == "Echo Daily"
    assert index.article("charlie").url == "https://example.org/c"
    assert rows["foxtrot"]["title"] == "Foxtrot headline"
    assert index.lexical_search("BODYSCRIPTSECRET", 5) == []
    hits = index.lexical_search("foxes river dawn", 5)
    assert index.passages([hits[0][0]])[0].article.doc_id == "foxtrot"


def test_bad_files_are_skipped_with_reasons_and_good_ones_indexed(seeds_copy, tmp_path,
                                                                  article_text, embedder):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(article_text("goodwombat"))
    (folder / "other.json").write_text(json.dumps({"text": article_text("goodquokka")}))
    (folder / "mixed.jsonl").write_text(json.dumps({"id": "mixed-ok", "text": "Fine record."})
                                        + "\n{not json\n")
    bad = {
        "empty.txt": b"",
        "blank.txt": b"   \n\t\n  \r\n",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "latin1.txt": "Caf\u00e9 owners protest new rules.".encode("latin-1"),
        "malformed.json": b'{"text": "a story", "title": ',
        "notext.json": b'{"title": "A record without text", "body": "words"}',
        "report.pdf": b"%PDF-1.4 fake but plausible",
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge.txt", "wb") as handle:
        line = b"The market rose again as investors returned after the holiday.\n"
        handle.write(line * (50 * 2**20 // len(line) + 1))
    assert (folder / "huge.txt").stat().st_size > 50 * 2**20

    index = Index.open(seeds_copy)
    report = index.build([folder])
    assert (report.added, report.updated, report.removed) == (3, 0, 0)
    reasons = {s.path: s.reason for s in report.skipped}
    expected = {
        "empty.txt": "empty file",
        "blank.txt": "empty",
        "binary.txt": "binary file",
        "latin1.txt": "not valid UTF-8",
        "malformed.json": "malformed JSON",
        "notext.json": '"text"',
        "report.pdf": "damaged PDF",
        "huge.txt": "too large",
        "mixed.jsonl:2": "malformed JSON on line 2",
    }
    assert set(reasons) == {str(folder / name) for name in expected}
    for name, words in expected.items():
        assert words in reasons[str(folder / name)], (name, reasons[str(folder / name)])

    assert {d["doc_id"] for d in index.documents()} == {
        "000_51fa7298afb77037", "001_fb9a544a14055de9", "002_42f7c0e30c3b1ddd",
        "good", "other", "mixed-ok"}
    # What was indexed before the bad batch is still whole and searchable.
    seed = index.article("000_51fa7298afb77037")
    top, _ = index.dense_search(embedder.encode([seed.text.split("\n")[0]])[0], 1)[0]
    assert index.passages([top])[0].chunk.doc_id == "000_51fa7298afb77037"
    assert {p.article.doc_id for p in index.passages(
        [i for i, _ in index.lexical_search("Kanai", 20)])} >= {"001_fb9a544a14055de9"}
    for word, doc_id in (("goodwombat", "good"), ("goodquokka", "other")):
        hits = index.lexical_search(word, 5)
        assert hits and index.passages([hits[0][0]])[0].article.doc_id == doc_id


def test_missing_path_is_skipped(tmp_path):
    articles, skipped = read_paths([tmp_path / "nowhere.txt"])
    assert articles == [] and skipped[0].reason == "no such file or folder"


def _awkward_folder(tmp_path, article_text):
    """A folder with one good article beside every kind of file seen to break a build."""
    folder = tmp_path / "awkward"
    folder.mkdir()
    (folder / "good.txt").write_text(article_text("awkwardgoodmarker"))
    (folder / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "windows.txt").write_bytes(
        "date 2025-02-03 ZÜRICH: Windows saves UTF-16 with a byte-order mark.\n"
        .encode("utf-16"))
    (folder / "wide.md").write_bytes("UTF-32 text from an old tool, café.\n".encode("utf-32"))
    (folder / "dir.txt").mkdir()
    (folder / "dir.txt" / "inner.txt").write_text(article_text("innerdirmarker"))
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (folder / "passwd.txt").symlink_to(outside)
    return folder


def test_awkward_files_are_read_or_skipped_with_a_reason_each(tmp_path, article_text):
    folder = _awkward_folder(tmp_path, article_text)
    articles, skipped = read_paths([folder])
    by_id = {a.doc_id: a for a in articles}
    assert set(by_id) == {"good", "windows", "wide", "dir.txt/inner"}
    assert by_id["windows"].text.startswith("date 2025-02-03 ZÜRICH: Windows saves UTF-16")
    assert by_id["windows"].date == "2025-02-03"
    assert by_id["wide"].text == "UTF-32 text from an old tool, café.\n"
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {
        str(folder / "nested.json"): "nested too deeply to read",
        str(folder / "passwd.txt"): f"link to {tmp_path / 'secret.txt'}, outside {folder}: "
                                    "not followed",
    }


def test_a_link_to_a_file_inside_the_folder_is_read(tmp_path):
    (tmp_path / "story.txt").write_text("The story itself.")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "story.txt")
    articles, skipped = read_paths([tmp_path])
    assert ({a.doc_id for a in articles}, skipped) == ({"alias", "story"}, [])
