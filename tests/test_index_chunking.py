"""Chunks: never longer than the embedder reads, never over the token budget, no text lost."""

from __future__ import annotations

import random

import pytest

from index import Index
from index.ingest.chunking import DEFAULT_MAX_TOKENS, chunk_article, count_tokens
from index.ingest.nlp import analyse


def _nasty_texts() -> dict[str, str]:
    rng = random.Random(7)
    words = ("the minister said talks would continue between officials from both governments "
             "next week while markets waited").split()
    return {
        "run_on": " ".join(rng.choice(words) for _ in range(5000)),
        "numbers": " ".join(f"{rng.randint(1, 9)},{rng.randint(100, 999)}" for _ in range(3000)),
        "cjk": "東京で日本と中国の高官が会談した。両国の関係は台湾をめぐって緊張している。" * 80,
        "cjk_unbroken": "日本政府関係者によると外務省アジア大洋州局長が北京を訪問" * 120,
        "table": "\n".join(f"Company {n} shares {rng.randint(10, 99)}" for n in range(300)),
        "column": "\n".join(str(rng.randint(10, 99)) for _ in range(600)),
        "blob": "data:" + "".join(rng.choice("abcdefghijklmnop0123456789+/") for _ in range(6000)),
    }


NASTY = _nasty_texts()


def _check_chunks(text: str, spans: list[tuple[int, int, int]], embedder) -> None:
    """Each chunk fits the model window and the token budget; every character that is not
    whitespace, so every sentence, lies in some chunk."""
    assert spans
    covered = bytearray(len(text))
    for start, end, n_tokens in spans:
        piece = text[start:end]
        assert 0 <= start < end <= len(text) and piece.strip() == piece
        assert embedder.count_pieces(piece) <= embedder.window
        assert count_tokens(piece) == n_tokens <= DEFAULT_MAX_TOKENS
        covered[start:end] = b"\x01" * (end - start)
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not lost, f"text lost at {lost[:5]}: {text[lost[0]:lost[0] + 40]!r}"
    (sentences, _), = analyse([text])
    for sentence in sentences:
        assert all(covered[i] or text[i].isspace() for i in range(sentence.start, sentence.end))


def test_seed_chunks_fit_window_and_budget(seeds_index, all_chunks, embedder):
    assert seeds_index.manifest["chunk_max_tokens"] == DEFAULT_MAX_TOKENS
    for doc in seeds_index.documents():
        passages = all_chunks(seeds_index)[doc["doc_id"]]
        text = passages[0].article.text
        assert [p.chunk.ordinal for p in passages] == list(range(doc["chunks"]))
        _check_chunks(text, [(p.chunk.start, p.chunk.end, p.chunk.n_tokens) for p in passages],
                      embedder)


@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_text_is_chunked_within_limits(name, embedder):
    text = NASTY[name]
    (sentences, _), = analyse([text])
    chunks = chunk_article(name, text, sentences, fits=embedder.fits)
    _check_chunks(text, [(c.start, c.end, c.n_tokens) for c in chunks], embedder)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_line_breaks_count_against_the_budget():
    """A list of short lines: the line breaks between them are tokens of the chunk too."""
    text = "\n".join(f"{n}" for n in range(10, 400))
    (sentences, _), = analyse([text])
    chunks = chunk_article("lines", text, sentences, max_tokens=50, overlap_tokens=10)
    assert len(chunks) > 5
    assert all(count_tokens(text[c.start:c.end]) <= 50 for c in chunks)


def test_nasty_articles_index_whole(tmp_path, embedder, all_chunks):
    """Text without spaces once made chunking raise, which aborted the whole build."""
    folder = tmp_path / "nasty"
    folder.mkdir()
    nasty = {name: NASTY[name][:1200] for name in ("cjk", "cjk_unbroken", "blob", "column")}
    for name, text in nasty.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    index = Index.open(tmp_path / "index")
    report = index.build([folder])
    assert (report.added, report.skipped) == (len(nasty), ())
    rows = {d["doc_id"]: d["chunks"] for d in index.documents()}
    assert report.chunks_embedded == sum(rows.values())
    stored = all_chunks(index)
    for name, text in nasty.items():
        assert index.article(name).text == text
        assert len(stored[name]) == rows[name]
        _check_chunks(text, [(p.chunk.start, p.chunk.end, p.chunk.n_tokens)
                             for p in stored[name]], embedder)
