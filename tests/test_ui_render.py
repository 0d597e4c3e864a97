"""The page's HTML without a browser: escaping, citation numbers, marks at the right offsets,
example questions and upload names. Fast: no model, no index."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from index import Article, Skipped
from qa.result import Answer, Citation, Conflict, Position, Source
from ui import render
from ui.app import _status_html, chat_turn, open_citation
from ui.examples import Doc, example_questions, office_questions, speaker_questions
from ui.uploads import safe_name, stage

TEXT = ("date 2025-11-17 TOKYO: Prime Minister Sanae Takaichi spoke. "
        "Another paper named Taro Kono. <script>window.__pwned=1</script> end.")


def cite(doc_id: str, quote: str, text: str = TEXT, title: str = "T") -> Citation:
    start = text.index(quote)
    return Citation(doc_id, title, start, start + len(quote), quote, 0, len(text), "2025-11-17")


def disagreement() -> Answer:
    takaichi = Position("Sanae Takaichi", 0.4, 2, False,
                        (cite("a", "Sanae Takaichi"), cite("b", "Sanae Takaichi")))
    kono = Position("Taro Kono", 0.4, 1, True, (cite("c", "Taro Kono"),))
    return Answer("Who is the Prime Minister of Japan?", (takaichi, kono),
                  (Conflict((0, 1), "sources give different answers"),))


def test_citations_are_numbered_once_per_span_in_reading_order():
    answer = disagreement()
    numbered = render.number_citations(answer)
    assert [(n.number, n.citation.doc_id) for n in numbered] == [(1, "a"), (2, "b"), (3, "c")]
    assert render.find_citation(answer, 3).quote == "Taro Kono"
    assert render.parse_cite_href("#cite-4-3") == (4, 3)
    assert render.parse_cite_href("#elsewhere") is None


def test_disagreement_shows_both_sides_with_the_disputed_one_labelled():
    page = render.answer_html(disagreement(), 0, {"a": TEXT, "b": TEXT, "c": TEXT})
    assert "Sources disagree" in page
    assert page.index("Sanae Takaichi") < page.index("Taro Kono")
    assert "Disputed (fewer sources)" in page and 'class="nqa-position nqa-disputed"' in page
    for n in (1, 2, 3):
        assert f'href="#cite-0-{n}"' in page and f">[{n}]</a>" in page
    assert "\n\n" not in page      # a blank line would end the HTML block in Markdown


def test_no_answer_is_said_plainly_with_the_reason():
    page = render.answer_html(Answer("Who won?", (), (), "nothing about <b>that</b>"), 0)
    assert render.NO_ANSWER in page
    assert "&lt;b&gt;that&lt;/b&gt;" in page and "<b>that" not in page


def test_article_text_and_question_are_escaped_everywhere():
    evil = "<img src=x onerror=alert(1)>"
    position = Position(evil, 0.5, 1, False, (cite("d", "<script>window.__pwned=1</script>",
                                                   title=evil),))
    answer = Answer(evil, (position,), (), evil)
    pieces = [render.answer_html(answer, 0, {"d": TEXT}), render.sources_html(answer, 0),
              render.article_html(Source("d", evil, evil, evil, evil), TEXT, [(0, 5, 1)], note=evil)]
    for piece in pieces:
        assert "<img" not in piece and "<script" not in piece
        assert "&lt;" in piece


def test_marks_sit_on_the_cited_offsets_and_the_rest_is_escaped():
    start = TEXT.index("Sanae Takaichi")
    body = render.highlighted_text(TEXT, [(start, start + 14, 1)], focus=1)
    assert '<mark class="nqa-mark nqa-focus" data-cite="[1]">Sanae Takaichi</mark>' in body
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body
    assert body.startswith("date 2025-11-17 TOKYO: Prime Minister <mark")


def test_overlapping_quotes_become_one_mark_listing_both_numbers():
    assert render.merge_spans([(5, 10, 2), (0, 7, 1), (20, 25, 3)]) == [
        (0, 10, [1, 2]), (20, 25, [3])]
    body = render.highlighted_text("abcdefghijklmnop", [(2, 6, 1), (4, 9, 2)])
    assert body.count("<mark") == 1 and 'data-cite="[1][2]"' in body


def test_quote_is_shown_inside_its_sentence_when_the_offsets_fit():
    citation = cite("a", "Sanae Takaichi")
    assert "<b>Sanae Takaichi</b>" in render.quote_html(citation, TEXT)
    assert "Prime Minister <b>" in render.quote_html(citation, TEXT)
    assert render.quote_html(citation, "other text") == "“<b>Sanae Takaichi</b>”"


DOCS = [
    Doc("a", "A", "2025-01-01", "Japanese Prime Minister Sanae Takaichi spoke. "
                                "Japan's Education Minister Yohei Matsumoto agreed."),
    Doc("b", "B", "2025-01-02", "Officials said so. Japanese Prime Minister Taro Kono said no. "
                                "Beijing on Friday warned Japan. Vice Foreign Minister Sun met."),
]


def test_examples_come_from_the_articles_with_disagreements_first():
    offices = office_questions(DOCS)
    assert offices[0] == "Who is the Japanese Prime Minister?"
    assert "Who is the Education Minister of Japan?" in offices
    assert not any("Vice" in q or "of Prime" in q for q in offices)
    assert speaker_questions(DOCS) == ["What did Beijing warn?"]
    questions = example_questions(DOCS)
    assert questions[-1].startswith("What is this about: ")
    assert len(questions) == len(set(questions)) <= 5


def test_examples_are_never_empty():
    assert example_questions([]) == ["What happened?"]
    plain = [Doc("x", "Rain falls on the plain", "", "Rain falls on the plain.")]
    assert example_questions(plain) == ["What is this about: Rain falls on the plain?"]


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\boot.ini.TXT", "boot.ini.txt"),
    ("my story (final).md", "my story (final).md"),
    (".hidden.json", "hidden.json"),
    ("/", "article"),
    ("日本.txt", "日本.txt"),
    ("new\nline\x1b.TXT", "new_line.txt"),
    ("x" * 300 + ".txt", "x" * 196 + ".txt"),
    ("日" * 300 + ".txt", "日" * 65 + ".txt"),
])
def test_upload_names_are_reduced_to_a_safe_basename(given, expected):
    assert safe_name(given) == expected


def test_staging_skips_unknown_types_and_big_files_and_keeps_same_names_apart(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    story, big, doc = source / "a.txt", source / "big.txt", source / "c.docx"
    story.write_text("A story.")
    big.write_bytes(b"x" * 2048)
    doc.write_text("PK")
    out = tmp_path / "out"
    out.mkdir()
    staged, skipped = stage([(story, "../story.txt"), (story, "story.txt"), (big, "big.txt"),
                             (doc, "c.docx")], out, max_bytes=1024)
    # Same names never overwrite each other on disk; the index decides their ids.
    assert [p.name for p in staged] == ["story.txt", "story.txt"]
    assert len({p.parent for p in staged}) == 2 and all(p.parent.parent == out for p in staged)
    assert {s.path: s.reason.split(":")[0] for s in skipped} == {
        "big.txt": "too large", "c.docx": "unsupported file type .docx; use .txt, .md, .json, "
                                          ".jsonl, .html, .htm, .pdf"}


class FakeBackend:
    """Just what the chat needs of `ui.backend.Backend`, answering one fixed answer."""

    def __init__(self, answer: Answer | Exception) -> None:
        self.answer = answer
        self.histories: list[list[Answer]] = []

    def status(self) -> SimpleNamespace:
        return SimpleNamespace(documents=3)

    def ask(self, question: str, history: list[Answer]) -> Answer:
        self.histories.append(list(history))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def article(self, doc_id: str) -> Article:
        return Article(doc_id, TEXT, title=f"Title {doc_id}", date="2025-11-17")


def test_chat_shows_the_question_and_a_busy_line_before_the_answer():
    answer = disagreement()
    steps = list(chat_turn(FakeBackend(answer), " <b>Who</b> is it? ", [], []))
    box, history, answers, _, _ = steps[0]
    assert box == "" and answers == []
    assert history[0] == {"role": "user", "content": "&lt;b&gt;Who&lt;/b&gt; is it?"}
    assert "nqa-busy" in history[1]["content"] and "3 articles" in history[1]["content"]
    box, history, answers, sources, _ = steps[-1]
    assert answers == [answer] and len(history) == 2
    assert "Sources disagree" in history[1]["content"] and "Taro Kono" in history[1]["content"]
    assert 'href="#cite-0-3"' in sources


def test_the_chat_passes_its_earlier_answers_and_shows_how_a_follow_up_was_understood():
    first = disagreement()
    follow_up = Answer("When did <she> take office?", (), (), "No answer in these articles.",
                       understood="When did the <Prime Minister> of Japan take office?")
    backend = FakeBackend(follow_up)
    steps = list(chat_turn(backend, "When did <she> take office?", [], [first]))
    assert backend.histories == [[first]]
    reply = steps[-1][1][-1]["content"]
    assert "Understood as: When did the &lt;Prime Minister&gt; of Japan take office?" in reply
    assert "Understood as" not in render.answer_html(first, 0)


def test_a_failing_question_is_reported_in_the_chat():
    steps = list(chat_turn(FakeBackend(RuntimeError("<boom>")), "Who?", [], []))
    assert "Could not answer: RuntimeError: &lt;boom&gt;" in steps[-1][1][-1]["content"]
    assert steps[-1][2] == []


def test_opening_a_citation_marks_every_span_this_answer_cites_in_that_article():
    answer = disagreement()
    page = open_citation(FakeBackend(answer), [answer], "#cite-0-3")
    assert '<mark class="nqa-mark nqa-focus" data-cite="[3]">Taro Kono</mark>' in page
    assert "Title c" in page and "Cited for: Who is the Prime Minister of Japan?" in page
    changed = FakeBackend(answer)
    changed.article = lambda doc_id: SimpleNamespace(doc_id=doc_id, title="T", date="",
                                                     text="Rewritten since.")
    assert "<mark" not in open_citation(changed, [answer], "#cite-0-3")
    assert "has changed since" in open_citation(changed, [answer], "#cite-0-3")
    assert "not part of" in open_citation(FakeBackend(answer), [answer], "#cite-1-1")
    assert "not part of" in open_citation(FakeBackend(answer), [answer], "#cite-0-9")


def test_a_whole_sentence_answer_is_not_quoted_twice():
    sentence = "Another paper named Taro Kono."
    start = TEXT.index(sentence)
    whole = Citation("c", "T", start, start + len(sentence), sentence, start,
                     start + len(sentence))
    page = render.answer_html(Answer("What?", (Position(sentence, 0.5, 1, False, (whole,)),)),
                              0, {"c": TEXT})
    assert page.count(sentence) == 1
    named = render.answer_html(disagreement(), 0, {"c": TEXT})
    assert named.count("Taro Kono") == 2          # the value, and the quote in its sentence


def sourced(url: str = "https://news.example/a?x=1&y=2", page: int | None = None) -> Citation:
    start = TEXT.index("Sanae Takaichi")
    return Citation("a", "China, Japan officials <hold> talks", start, start + 14, "Sanae Takaichi",
                    0, len(TEXT), "2025-11-18", url=url, outlet="Kyodo News",
                    published="2025-11-18", page=page)


def one_source(citation: Citation) -> Answer:
    return Answer("Who?", (Position("Sanae Takaichi", 0.9, 1, False, (citation,)),))


def views(citation: Citation) -> list[str]:
    """Every place the page names a source: beside the quote, the sources panel, the viewer."""
    answer = one_source(citation)
    return [render.answer_html(answer, 0, {"a": TEXT}), render.sources_html(answer, 0),
            render.article_html(citation.source, TEXT, [(citation.start, citation.end, 1)],
                                page=citation.page)]


def test_each_citation_names_outlet_date_and_title_linked_to_its_address():
    for view in views(sourced()):
        assert "Kyodo News · 18 Nov 2025 · " in view
        assert ('<a class="nqa-url" href="https://news.example/a?x=1&amp;y=2" target="_blank" '
                'rel="noopener noreferrer">China, Japan officials &lt;hold&gt; talks</a>') in view
        assert "p. " not in view


def test_a_page_number_is_shown_when_the_citation_has_one():
    for view in views(sourced(page=3)):
        assert " · p. 3" in view
    assert sourced(page=3).header() == (
        "Kyodo News · 18 Nov 2025 · China, Japan officials <hold> talks · p. 3")


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
                                 "file:///etc/passwd", "/srv/news/a.html", "https://", ""])
def test_only_web_addresses_become_links(url: str):
    for view in views(sourced(url=url)):
        assert "nqa-url" not in view and "javascript" not in view.lower()
        assert "China, Japan officials &lt;hold&gt; talks" in view


def test_an_address_cannot_break_out_of_its_attribute():
    for view in views(sourced(url='https://news.example/"><script>x</script>')):
        assert "<script" not in view and 'href="https://news.example/&quot;&gt;&lt;script' in view


def test_a_source_without_outlet_or_date_shows_its_title_alone():
    bare = Citation("b", "Plain title", 0, 4, "date", 0, 10)
    assert render.source_html(bare.source) == "Plain title"
    assert bare.header() == "Plain title"


def test_the_page_never_shows_a_server_path():
    """An article's path, a skipped file's path, an error naming a file: only names show."""
    answer = disagreement()
    backend = FakeBackend(answer)
    backend.article = lambda doc_id: Article(doc_id, TEXT, title="T", date="2025-11-17",
                                             path=f"/srv/newsroom/private/{doc_id}.txt")
    backend.status = lambda: SimpleNamespace(documents=3, chunks=9, skipped=[
        Skipped("/srv/newsroom/private/scan.pdf",
                "PermissionError: [Errno 13] Permission denied: '/srv/newsroom/private/scan.pdf'")])
    pages = [open_citation(backend, [answer], "#cite-0-1"), _status_html(backend),
             *[step[1][-1]["content"] for step in chat_turn(backend, "Who?", [], [])],
             *[step[1][-1]["content"] for step in chat_turn(
                 FakeBackend(FileNotFoundError(2, "No such file", "/srv/newsroom/index/x.faiss")),
                 "Who?", [], [])]]
    for page in pages:
        assert "/srv" not in page and "newsroom" not in page
    assert "scan.pdf" in pages[1] and "x.faiss" in pages[-1]


def test_the_sources_panel_lists_every_cited_page_of_an_article_once():
    first, second = sourced(page=3), sourced(page=5)
    second = Citation(**{**second.to_dict(), "start": TEXT.index("Taro Kono"),
                         "end": TEXT.index("Taro Kono") + 9, "quote": "Taro Kono"})
    answer = Answer("Who?", (Position("Sanae Takaichi", 0.9, 1, False, (first,)),
                             Position("Taro Kono", 0.9, 1, False, (second,))))
    panel = render.sources_html(answer, 0)
    assert panel.count("nqa-source-title") == 1 and "talks</a> · pp. 3, 5</div>" in panel


def test_a_disagreement_in_time_labels_its_sides_newer_and_older():
    newer = Position("Sanae Takaichi", 0.9, 1, False, (sourced(),))
    start = TEXT.index("Taro Kono")
    older = Position("Taro Kono", 0.9, 1, False, (Citation(
        "c", "Old story", start, start + 9, "Taro Kono", 0, len(TEXT), "2025-10-21",
        published="2025-10-21"),))
    timeline = ("the newer source, 18 Nov 2025, says 'Sanae Takaichi'; "
                "the older, 21 Oct 2025, says 'Taro Kono'")
    answer = Answer("Who?", (older, newer), (Conflict((1, 0), f"the sources differ: {timeline}",
                                                      in_time=True, timeline=timeline),))
    page = render.answer_html(answer, 0, {"a": TEXT, "c": TEXT})
    assert "written at different times" in page and "the newer source, 18 Nov 2025" in page
    assert page.index("Newer, 18 Nov 2025:") < page.index("Older, 21 Oct 2025:")
    assert page.index("Sanae Takaichi") < page.index("Taro Kono")
    assert "Disputed" not in page and timeline in answer.to_text()
