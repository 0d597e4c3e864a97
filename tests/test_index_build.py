"""Building an index: what is stored, incremental rebuilds, removal, readers, embedder checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index import EmbedderMismatch, Index, Skipped
from index.ingest.nlp import PIECE_CHARS, _blocks, analyse, pipeline
from index.model.embedder import DEFAULT_MODEL, load_embedder

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

SEED_000 = "000_51fa7298afb77037"


def test_seeds_build_gives_three_documents_with_file_text(seeds_of_kind, all_chunks):
    seeds_index, report = seeds_of_kind
    assert (report.added, report.updated, report.removed, report.unchanged) == (3, 0, 0, 0)
    assert report.skipped == ()
    docs = seeds_index.documents()
    files = sorted(SEEDS.glob("*.txt"))
    assert [d["doc_id"] for d in docs] == [f.stem for f in files]
    assert SEED_000 in [d["doc_id"] for d in docs]
    status = seeds_index.status()
    assert (status.documents, status.generation, status.embedder) == (3, 1, DEFAULT_MODEL)
    assert status.chunks == sum(d["chunks"] for d in docs) == report.chunks_embedded
    chunks = all_chunks(seeds_index)
    assert {doc: len(group) for doc, group in chunks.items()} == {d["doc_id"]: d["chunks"]
                                                                  for d in docs}
    for file in files:
        article = seeds_index.article(file.stem)
        assert article.text == file.read_bytes().decode("utf-8").replace("\r\n", "\n")
        assert article.title.strip()
    seed = seeds_index.article(SEED_000)
    assert seed.date == "2025-11-17"
    assert "2025-11-17" not in seed.title and seed.title.startswith("TOKYO")


def test_seeds_are_searchable_densely_and_lexically(seeds_of_kind, embedder):
    seeds_index, _ = seeds_of_kind
    seed = seeds_index.article(SEED_000)
    sentence = seed.text.strip().split("\n")[0]
    chunk_id, score = seeds_index.dense_search(embedder.encode([sentence])[0], 3)[0]
    (passage,) = seeds_index.passages([chunk_id])
    assert passage.chunk.doc_id == SEED_000 and score > 0.5
    assert passage.article.text[passage.chunk.start:passage.chunk.end] in seed.text
    hits = seeds_index.lexical_search("Kanai", 20)
    assert hits and all(score > 0 for _, score in hits)
    for passage in seeds_index.passages([i for i, _ in hits]):
        assert "Kanai" in passage.article.text[passage.chunk.start:passage.chunk.end]


def test_crlf_is_the_only_normalisation(tmp_path, new_location):
    raw = (b"date 2025-01-02 PARIS: First line of the story.\r\n"
           b"Second line keeps a lone\rcarriage return and \ttabs.   \r\n\r\n"
           b"Third paragraph, after a blank line.\r\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "crlf.txt").write_bytes(raw)
    index = Index.open(new_location())
    assert index.build([tmp_path / "docs"]).added == 1
    article = index.article("crlf")
    assert article.text == raw.decode("utf-8").replace("\r\n", "\n")
    assert "\r\n" not in article.text and "\r" in article.text
    assert article.date == "2025-01-02"
    assert article.title == "PARIS: First line of the story."


def test_incremental_rebuild_update_prune_and_remove(seeds_at, tmp_path, article_text,
                                                     all_chunks, embedder):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    index = Index.open(seeds_at)
    before = {d["doc_id"]: d for d in index.documents()}

    report = index.build([folder])
    assert (report.unchanged, report.chunks_embedded) == (3, 0)
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert index.status().generation == 1

    (folder / "003_wombat.txt").write_text(article_text("wombatfestival"))
    report = index.build([folder])
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 0, 3, 0)
    rows = {d["doc_id"]: d for d in index.documents()}
    assert report.chunks_embedded == rows["003_wombat"]["chunks"] > 0
    assert all(rows[d]["indexed_at"] == before[d]["indexed_at"] for d in before)
    old_ids = [p.chunk.chunk_id for p in all_chunks(index)["003_wombat"]]
    assert {i for i, _ in index.lexical_search("wombatfestival", 50)} <= set(old_ids)
    assert index.lexical_search("wombatfestival", 50)

    new_text = article_text("quokkaparade", seed=1, sentences=14)
    (folder / "003_wombat.txt").write_text(new_text)
    report = index.build([folder])
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 3, 0)
    chunks = all_chunks(index)
    new_ids = [p.chunk.chunk_id for p in chunks["003_wombat"]]
    assert report.chunks_embedded == len(new_ids) == index.documents()[3]["chunks"]
    assert not set(new_ids) & set(old_ids)
    assert index.passages(old_ids) == []
    assert index.lexical_search("wombatfestival", 50) == []
    assert {i for i, _ in index.lexical_search("quokkaparade", 50)} <= set(new_ids)
    assert index.article("003_wombat").text == new_text
    top, _ = index.dense_search(embedder.encode([new_text.split("\n")[2]])[0], 1)[0]
    assert top in new_ids
    assert index.status().chunks == sum(len(g) for g in chunks.values())

    (folder / "003_wombat.txt").unlink()
    report = index.build([folder])
    assert report.removed == 0 and len(index.documents()) == 4
    report = index.build([folder], prune=True)
    assert (report.removed, report.unchanged, report.chunks_embedded) == (1, 3, 0)
    assert "003_wombat" not in {d["doc_id"] for d in index.documents()}
    assert index.lexical_search("quokkaparade", 50) == []
    assert index.passages(new_ids) == []

    report = index.remove(["002_42f7c0e30c3b1ddd", "no-such-article"])
    assert report.removed == 1
    assert report.skipped == (Skipped("no-such-article", "no such document in the index"),)
    assert [d["doc_id"] for d in index.documents()] == ["000_51fa7298afb77037",
                                                         "001_fb9a544a14055de9"]
    assert set(all_chunks(index)) == {"000_51fa7298afb77037", "001_fb9a544a14055de9"}
    report = index.remove(["002_42f7c0e30c3b1ddd"])
    assert report.removed == 0 and len(report.skipped) == 1
    status = index.status()
    assert status.documents == 2 and status.chunks == sum(d["chunks"] for d in index.documents())


def test_open_reader_sees_writes_of_another_index_object(seeds_at, tmp_path, article_text,
                                                         embedder):
    reader = Index.open(seeds_at)
    assert len(reader.documents()) == 3
    assert reader.lexical_search("platypusgala", 5) == []
    text = article_text("platypusgala", sentences=4)
    (tmp_path / "platypus.txt").write_text(text)
    writer = Index.open(seeds_at)
    assert writer.add([tmp_path / "platypus.txt"]).added == 1

    assert "platypus" in {d["doc_id"] for d in reader.documents()}
    (chunk_id, _), *_ = reader.dense_search(embedder.encode([text])[0], 1)
    assert reader.passages([chunk_id])[0].chunk.doc_id == "platypus"
    hits = reader.lexical_search("platypusgala", 5)
    assert hits and reader.passages([hits[0][0]])[0].article.doc_id == "platypus"
    assert reader.status().documents == 4


def test_other_embedder_is_refused_before_loading_anything(seeds_copy):
    manifest = (seeds_copy / "manifest.json").read_bytes()
    loaded = load_embedder.cache_info().currsize
    with pytest.raises(EmbedderMismatch) as caught:
        Index.open(seeds_copy, embedder="some/other-model")
    message = str(caught.value)
    assert str(seeds_copy) in message
    assert repr(DEFAULT_MODEL) in message and "'some/other-model'" in message
    assert "rebuild" in message
    assert load_embedder.cache_info().currsize == loaded
    assert (seeds_copy / "manifest.json").read_bytes() == manifest
    # The short alias of the default model names the same embedder.
    assert Index.open(seeds_copy, embedder="all-MiniLM-L6-v2").status().documents == 3


def test_other_embedder_fails_in_a_fresh_process_without_importing_the_model(seeds_at,
                                                                              spawn_python):
    code = ("import sys\n"
            "from index import EmbedderMismatch, Index\n"
            "try:\n"
            "    Index.open(sys.argv[1], embedder='some/other-model')\n"
            "except EmbedderMismatch:\n"
            "    print('refused', 'sentence_transformers' in sys.modules)\n")
    child = spawn_python(code, str(seeds_at))
    assert child.wait_for("refused", timeout=120) == "refused False"
    assert child.proc.wait(timeout=30) == 0


def test_one_bad_file_never_stops_the_rest_of_a_build(seeds_at, tmp_path, article_text):
    """A deeply nested JSON file used to abort the whole build with a RecursionError."""
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "nested.json").write_text('{"text": ' + "[" * 50_000 + "]" * 50_000 + "}")
    (folder / "fine.txt").write_text(article_text("finebesidenestedmarker"))
    index = Index.open(seeds_at)
    report = index.build([folder])
    assert (report.added_ids, report.skipped) == (
        ("fine",), (Skipped(str(folder / "nested.json"), "nested too deeply to read"),))
    assert index.lexical_search("finebesidenestedmarker", 3)
    # Remembered for `status`, until the file is fixed and read.
    assert index.status().skipped == report.skipped
    (folder / "nested.json").write_text(json.dumps({"text": "Now a plain story."}))
    assert index.build([folder]).added_ids == ("nested",)
    assert index.status().skipped == ()


def test_a_long_single_line_goes_through_spacy_in_pieces_with_exact_offsets():
    """A 1.25 MB line used to stop a build: spaCy refuses over 1,000,000 characters (E088).
    Its pieces must each be accepted, cut after a sentence, and cover the line exactly;
    and spans found across pieces must point into the text exactly."""
    sentence = "The council met on Monday in Geneva and Maria Lopez spoke. "
    text = sentence * (1_250_000 // len(sentence) + 1)
    assert len(text) > pipeline().max_length and "\n" not in text
    pieces = _blocks(text)
    assert "".join(piece for _, piece in pieces) == text
    assert all(text[start:start + len(piece)] == piece for start, piece in pieces)
    assert all(len(piece) <= PIECE_CHARS < pipeline().max_length for _, piece in pieces)
    assert all(piece.endswith("spoke. ") for _, piece in pieces[:-1])

    part = sentence * (5 * PIECE_CHARS // len(sentence))
    ((sentences, entities),) = analyse([part])
    assert len(sentences) == part.count("spoke.")
    assert all(part[s.start:s.end] == sentence.strip() for s in sentences)
    people = [e for e in entities if e.label == "PERSON"]
    assert len(people) > len(sentences) * 0.9
    assert all(part[e.start:e.end] == "Maria Lopez" for e in people)
