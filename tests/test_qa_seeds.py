"""The answerer on the seed articles, end to end: real model, FAISS, SQLite, spaCy; and the
same answers from the seeds in PostgreSQL + pgvector."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from index import Article, Index
from qa import Answer, ask
from qa.result import CitationDict, ConflictDict
from tests.conftest import KINDS, REPO, python_env

PM = "Who is the Prime Minister of Japan?"


@pytest.fixture(params=KINDS)
def seeds_index(request: pytest.FixtureRequest, seeds_index: Index) -> Index:
    """Each answer test runs on the seeds in a folder and in PostgreSQL."""
    return seeds_index if request.param == "folder" else request.getfixturevalue("pg_seeds_index")


def assert_citations_hold(answer: Answer, index: Index) -> None:
    """The offset rule: every quote is exactly the stored text at its span, inside its sentence."""
    for position in answer.answers:
        assert position.support == len({c.doc_id for c in position.citations})
        for c in position.citations:
            text = index.article(c.doc_id).text
            assert text[c.start:c.end] == c.quote
            assert c.sentence_start <= c.start < c.end <= c.sentence_end
            assert text[c.sentence_start:c.sentence_end].strip() == text[
                c.sentence_start:c.sentence_end]


def docs_of(answer: Answer, text: str) -> set[str]:
    matches = [p for p in answer.answers if p.text == text]
    assert matches, f"{text!r} not among {[p.text for p in answer.answers]}"
    return {c.doc_id[:3] for c in matches[0].citations}


def test_prime_minister_shows_both_sides_and_the_conflict(seeds_index: Index) -> None:
    answer = ask(PM, seeds_index)
    assert_citations_hold(answer, seeds_index)
    assert docs_of(answer, "Sanae Takaichi") == {"000", "002"}
    assert docs_of(answer, "Taro Kono") == {"001"}
    assert answer.conflict and not answer.no_answer
    conflict = answer.conflicts[0]
    sides = {answer.answers[i].text for i in conflict.answers}
    assert sides == {"Sanae Takaichi", "Taro Kono"}
    by_text = {p.text: p for p in answer.answers}
    assert by_text["Taro Kono"].disputed and not by_text["Sanae Takaichi"].disputed
    assert answer.answers[0].text == "Sanae Takaichi"
    assert "Sources disagree:" in answer.to_text()


def test_official_kanai_met_is_agreed_by_all_three(seeds_index: Index) -> None:
    answer = ask("Which Chinese official did Kanai meet?", seeds_index)
    assert_citations_hold(answer, seeds_index)
    assert answer.answers[0].text == "Liu Jinsong"
    assert docs_of(answer, "Liu Jinsong") == {"000", "001", "002"}
    assert answer.answers[0].support == 3
    assert not answer.conflict


def test_question_the_articles_cannot_answer(seeds_index: Index) -> None:
    answer = ask("What is the population of Osaka?", seeds_index)
    assert answer.no_answer and answer.answers == () and not answer.conflict
    assert "No answer" in answer.to_text()


def test_different_names_for_one_post_stay_apart(seeds_index: Index) -> None:
    answer = ask("Who is the director of the Asia and Oceania bureau?", seeds_index)
    assert_citations_hold(answer, seeds_index)
    texts = [p.text for p in answer.answers]
    assert "Masaaki Kanai" in texts and "Takashi Kanai" in texts
    assert answer.conflict


def test_scores_are_probabilities_and_sorted(seeds_index: Index) -> None:
    for question in (PM, "Which Chinese official did Kanai meet?", "Who will Kanai meet?"):
        answer = ask(question, seeds_index)
        assert answer.answers
        assert all(0.0 <= p.score <= 1.0 for p in answer.answers)
        supports = [p.support for p in answer.answers]
        assert supports == sorted(supports, reverse=True)


@pytest.mark.parametrize("question", [
    "Which news agency reported the talks?",
    "Who will Kanai meet?",
    "Who is Liu Jinsong?",
    "Who is the President of Taiwan?",
])
def test_agreeing_sources_are_not_called_a_disagreement(seeds_index: Index, question: str) -> None:
    answer = ask(question, seeds_index)
    assert_citations_hold(answer, seeds_index)
    assert answer.answers and not answer.conflict, answer.to_text()


def test_a_description_is_quoted_in_its_sentence(seeds_index: Index) -> None:
    answer = ask("Who is Liu Jinsong?", seeds_index)
    top = answer.answers[0]
    text = seeds_index.article(top.citations[0].doc_id).text
    sentence = text[top.citations[0].sentence_start:top.citations[0].sentence_end]
    assert top.citations[0].quote in sentence and "Liu Jinsong" in sentence
    assert "Liu Jinsong" not in top.text


def test_to_dict_has_the_documented_shape(seeds_index: Index) -> None:
    data = ask(PM, seeds_index).to_dict()
    assert set(data) >= {"question", "answers", "conflict", "conflicts", "no_answer"}
    position = data["answers"][0]
    assert set(position) >= {"text", "score", "support", "disputed", "citations"}
    assert set(position["citations"][0]) >= {"doc_id", "title", "start", "end", "quote",
                                             "sentence_start", "sentence_end"}
    # Fields are only ever added (compatible), and each is in the schema /ask publishes.
    assert all(set(c) == set(ConflictDict.__annotations__) for c in data["conflicts"])
    assert set(position["citations"][0]) == set(CitationDict.__annotations__)
    assert set(data["conflicts"][0]) == set(ConflictDict.__annotations__)
    json.dumps(data)


@pytest.mark.parametrize(("question", "expected"), [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("x" * 10_000, "10,000 characters"),
    ("?!?... ---", "no words"),
])
def test_questions_that_cannot_be_asked_get_a_reason(seeds_index: Index, question: str,
                                                     expected: str) -> None:
    answer = ask(question, seeds_index)
    assert answer.no_answer
    assert expected in answer.message


def test_question_in_another_script_is_answered_plainly(seeds_index: Index) -> None:
    answer = ask("日本の首相は誰ですか？", seeds_index)
    assert answer.no_answer and answer.message


def test_empty_index_says_so(new_location, embedder) -> None:
    answer = ask(PM, Index.open(new_location()))
    assert answer.no_answer and "empty" in answer.message


def test_syndicated_copy_with_one_name_changed_is_a_conflict(new_location, embedder) -> None:
    story = ("date 2025-03-02 LYON: The mayor of Brevonne, {name}, opened the new tramway "
             "on Sunday. The line cost 40 million euros and links the station to the hospital.")
    index = Index.open(new_location())
    index.add_articles([Article(f"wire-{i}", story.format(name=n))
                        for i, n in enumerate(["Claire Dumont", "Claire Dumont", "Marc Jollet"])])
    answer = ask("Who is the mayor of Brevonne?", index)
    assert_citations_hold(answer, index)
    by_text = {p.text: p for p in answer.answers}
    assert by_text["Claire Dumont"].support == 2 and not by_text["Claire Dumont"].disputed
    assert by_text["Marc Jollet"].support == 1 and by_text["Marc Jollet"].disputed
    assert answer.conflict


def test_cli_json_is_exactly_to_dict(seeds_at) -> None:
    result = subprocess.run([sys.executable, "-m", "qa", PM, "--index", str(seeds_at),
                             "--json"], cwd=REPO, env=python_env(), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == ask(PM, Index.open(seeds_at)).to_dict()


def test_cli_bad_question_has_no_traceback(seeds_build) -> None:
    result = subprocess.run([sys.executable, "-m", "qa", "   ", "--index", str(seeds_build.path)],
                            cwd=REPO, env=python_env(), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "empty" in result.stdout


def test_two_places_of_the_same_name_are_not_a_contradiction(new_location, embedder) -> None:
    stories = {
        "ne": "Riverton, Nebraska is a small city. As of the 2010 census, the population of "
              "Riverton was 3,559 people.",
        "ok": "Riverton, Oklahoma is a rural town. As of the 2010 census, the population of "
              "Riverton was 4,120 people.",
    }
    index = Index.open(new_location())
    index.add_articles([Article(k, v) for k, v in stories.items()])
    answer = ask("What is the population of Riverton?", index)
    assert_citations_hold(answer, index)
    shown = " ".join(p.text for p in answer.answers)
    assert "3,559" in shown and "4,120" in shown
    assert not answer.conflict
    assert not any(p.disputed for p in answer.answers)


def test_cli_asking_a_missing_index_is_an_error_and_creates_nothing(tmp_path) -> None:
    typo = tmp_path / "typo"
    result = subprocess.run([sys.executable, "-m", "qa", PM, "--index", str(typo)], cwd=REPO,
                            env=python_env(), capture_output=True, text=True, timeout=180)
    assert result.returncode == 2
    assert "no index at" in result.stderr and "Traceback" not in result.stderr
    assert not typo.exists()


def test_cli_question_with_bytes_that_are_not_utf8_is_answered(seeds_build) -> None:
    question = b"Who is the Prime Minister of Japan\xff?"
    result = subprocess.run([sys.executable.encode(), b"-m", b"qa", question, b"--index",
                             str(seeds_build.path).encode()], cwd=REPO, env=python_env(),
                            capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr and b"Takaichi" in result.stdout


def test_cli_output_into_a_closed_pipe_ends_quietly(seeds_build) -> None:
    process = subprocess.Popen([sys.executable, "-m", "qa", PM, "--index", str(seeds_build.path), "--json"],
                               cwd=REPO, env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()          # the reader goes away before the answer is printed
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=180) == 0
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_prime_minister_sides_with_undated_sources_are_not_ordered_in_time(seeds_index: Index) -> None:
    """Of the seeds only 000 carries a date (2025-11-17); 001 and 002 have none, so the
    disagreement cannot be read as a change over time and keeps today's wording."""
    assert [seeds_index.article(d).date for d in
            ("000_51fa7298afb77037", "001_fb9a544a14055de9", "002_42f7c0e30c3b1ddd")] == [
        "2025-11-17", "", ""]
    answer = ask(PM, seeds_index)
    conflict = answer.conflicts[0]
    assert not conflict.in_time and conflict.timeline == ""
    assert {answer.answers[i].text for i in conflict.answers} == {"Sanae Takaichi", "Taro Kono"}
    assert "at different times" not in answer.to_text()
    dated = [c for p in answer.answers for c in p.citations if c.doc_id.startswith("000")]
    assert dated and dated[0].published == "2025-11-17"
    assert "17 Nov 2025 · TOKYO: A senior Japanese diplomat" in answer.to_text()


@pytest.mark.parametrize("junk", ["<script>alert(1)</script> ", "<b>", "<style>p {color: red}</style>\n"])
def test_markup_around_a_question_does_not_change_its_answer(seeds_index: Index, junk: str) -> None:
    answer = ask(junk + PM, seeds_index)
    assert answer.question == PM
    assert {p.text for p in answer.answers} >= {"Sanae Takaichi", "Taro Kono"} and answer.conflict
