"""What the page does with the real index and answerer: seeding, uploads, removal, watching,
and answering while an upload is being written."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from index import ActionNeeded, location
from ui.backend import Backend

pytestmark = pytest.mark.slow

MAYOR = ("date 2025-12-01 BRAMBLEWICK: Orla Fenwhistle was sworn in as the mayor of "
         "Bramblewick on Monday, after winning the town's election by 212 votes.\n\n"
         "Fenwhistle, a former ferry captain, promised to reopen the harbour library.\n")


@pytest.fixture
def backend(seeds_at: str | Path) -> Backend:
    """The page's backend on a copy of the seeds, in a folder and in PostgreSQL."""
    opened = Backend.open(seeds_at, log=lambda line: None)
    yield opened
    opened.close()


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_the_default_index_is_built_from_the_seeds_on_first_use(tmp_path, embedder, monkeypatch):
    monkeypatch.delenv("NEWSQA_INDEX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(location, "CHECKOUT", None)  # as installed: not this checkout's index
    lines: list[str] = []
    backend = Backend.open(None, log=lines.append)
    assert backend.index.path == tmp_path / "data" / "newsqa" / "index"
    assert backend.status().documents == 3
    assert "new" in lines[0] and lines[1].startswith("3 added")
    assert backend.examples()[0] == "Who is the Japanese Prime Minister?"


def test_a_named_index_that_does_not_exist_is_an_error_not_a_new_index(tmp_path, embedder):
    with pytest.raises(ActionNeeded, match="no index at"):
        Backend.open(tmp_path / "typo", log=print)
    assert not (tmp_path / "typo").exists()


def test_an_index_whose_articles_were_all_removed_is_not_refilled(backend):
    backend.remove([row["doc_id"] for row in backend.documents()])
    reopened = Backend.open(backend.index.path, log=print)
    assert reopened.status().documents == 0
    assert reopened.ask("Who is the Prime Minister of Japan?").message


def test_upload_is_indexed_under_its_safe_name_and_answers_questions(backend, tmp_path):
    story = _file(tmp_path / "in", "upload-123.txt", MAYOR)
    report = backend.add_uploads([(story, "../../Bramblewick news.txt"), (story, "notes.docx")])
    assert (report.added, report.added_ids) == (1, ("Bramblewick news",))
    assert [(s.path, s.reason.split(";")[0]) for s in report.skipped] == [
        ("notes.docx", "unsupported file type .docx")]
    assert "Bramblewick news" in {row["doc_id"] for row in backend.documents()}
    answer = backend.ask("Who is the mayor of Bramblewick?")
    assert answer.answers[0].text == "Orla Fenwhistle"
    assert answer.answers[0].citations[0].doc_id == "Bramblewick news"
    removed = backend.remove(["Bramblewick news"])
    assert removed.removed == 1 and backend.status().documents == 3


def test_questions_are_answered_while_an_upload_is_being_written(backend, tmp_path):
    """The upload is held inside its write (after embedding, before commit) until a question
    has been answered from the generation before it."""
    story = _file(tmp_path / "in", "mayor.txt", MAYOR)
    writing, answered = threading.Event(), threading.Event()
    reports = []

    def hold(done: int, total: int) -> None:
        writing.set()
        assert answered.wait(120), "the question was not answered during the write"

    upload = threading.Thread(target=lambda: reports.append(
        backend.add_uploads([(story, "mayor.txt")], progress=hold)))
    upload.start()
    assert writing.wait(120)
    answer = backend.ask("Who is the Prime Minister of Japan?")
    answered.set()
    upload.join(120)
    assert {p.text for p in answer.answers} >= {"Sanae Takaichi", "Taro Kono"}
    assert reports and reports[0].added == 1
    assert backend.ask("Who is the mayor of Bramblewick?").answers[0].text == "Orla Fenwhistle"


def test_a_watched_folder_is_indexed_without_restart(backend, tmp_path, poll):
    folder = tmp_path / "drop"
    _file(folder, "before.txt", "date 2025-12-03 LONDON: Rain fell on London all week.\n")
    reports = []
    backend.watch(folder, on_report=reports.append)
    assert reports[0].added == 1
    _file(folder, "mayor.txt", MAYOR)
    poll(lambda: "mayor" in {row["doc_id"] for row in backend.documents()}, timeout=120)
    assert backend.ask("Who is the mayor of Bramblewick?").answers[0].text == "Orla Fenwhistle"


def test_uploads_never_replace_another_article_unless_asked(backend, tmp_path):
    """`日本.txt` then `中国.txt` were both `upload`, and a second `article.txt` from another
    folder replaced the first: each upload silently replaced an article."""
    japan = _file(tmp_path / "a", "日本.txt", "Tokyo hosted the regional summit on Monday.\n")
    china = _file(tmp_path / "b", "中国.txt", "Beijing announced new rail links on Tuesday.\n")
    assert backend.add_uploads([(japan, "日本.txt")]).added_ids == ("日本",)
    assert backend.add_uploads([(china, "中国.txt")]).added_ids == ("中国",)

    first = _file(tmp_path / "a", "article.txt", MAYOR)
    second = _file(tmp_path / "b", "article.txt", "Harbour ferries stopped for a storm.\n")
    assert backend.add_uploads([(first, "article.txt")]).added_ids == ("article",)
    report = backend.add_uploads([(second, "article.txt")])
    assert (report.added_ids, report.updated) == (("article-2",), 0)
    (kept,) = report.renamed
    assert (kept.wanted, kept.doc_id, kept.reason) == (
        "article", "article-2", "name taken by another article")
    assert backend.article("article").text == MAYOR
    assert backend.article("article-2").text.startswith("Harbour ferries")
    assert backend.add_uploads([(first, "article.txt")]).unchanged_ids == ("article",)

    replaced = backend.add_uploads([(second, "article.txt")], replace=True)
    assert (replaced.updated_ids, replaced.renamed) == (("article",), ())
    assert backend.article("article").text.startswith("Harbour ferries")
    ids = {row["doc_id"] for row in backend.documents()}
    assert {"日本", "中国", "article", "article-2"} <= ids
    both = backend.add_uploads([(japan, "same.txt"), (china, "same.txt")])
    assert both.added_ids == ("same", "same-2")


def test_the_page_status_counts_in_english_and_never_shows_the_server_path(backend):
    from ui.app import _status_html

    page = _status_html(backend)
    assert "3 articles" in page and str(backend.index.path) not in page
    backend.remove(["001_fb9a544a14055de9", "002_42f7c0e30c3b1ddd"])
    assert "1 article," in _status_html(backend)
