"""Follow-up questions: the rules on a judged set, and a conversation on the seeds end to end."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.followups import evaluate, history_of
from index import Index
from qa import ask
from qa.followup import resolve
from tests.conftest import REPO, python_env


def test_the_judged_follow_ups_are_read_as_meant() -> None:
    result = evaluate()
    assert result["cases"] >= 30 and result["to_rewrite"] >= 25
    assert result["accuracy"] >= 85, result["misses"]


def test_a_question_that_stands_alone_is_left_as_asked() -> None:
    history = history_of([["Who is the Prime Minister of Japan?", "Sanae Takaichi", "PERSON", False]])
    for question in ("Who is the President of Taiwan?", "Is it true that the talks failed?",
                     "Which news agency reported the talks?"):
        assert resolve(question, history) == question
    assert resolve("What did she say?", []) == "What did she say?"


def test_a_disputed_answer_is_never_taken_as_the_antecedent() -> None:
    history = history_of([["Who is the Prime Minister of Japan?", "Sanae Takaichi", "PERSON", True]])
    understood = resolve("When did she take office?", history)
    assert "Takaichi" not in understood
    assert understood == "When did the Prime Minister of Japan take office?"


def test_a_conversation_on_the_seeds(seeds_index: Index) -> None:
    first = ask("Which Chinese official did Kanai meet?", seeds_index)
    assert first.answers[0].text == "Liu Jinsong" and first.answers[0].label == "PERSON"
    second = ask("What is his position?", seeds_index, history=[first])
    assert second.question == "What is his position?"
    assert second.understood == "What is Liu Jinsong's position?"
    assert second.to_dict()["understood"] == second.understood
    assert any("Asian" in p.text for p in second.answers), [p.text for p in second.answers]
    disputed = ask("Who is the Prime Minister of Japan?", seeds_index)
    assert disputed.conflict
    third = ask("When did she take office?", seeds_index, history=[first, second, disputed])
    assert third.understood == "When did the Prime Minister of Japan take office?"


def test_cli_without_a_question_answers_each_line_as_a_conversation(seeds_build) -> None:
    questions = "Which Chinese official did Kanai meet?\n\nWhat is his position?\nquit\nnever asked\n"
    result = subprocess.run([sys.executable, "-m", "qa", "--index", str(seeds_build.path), "--json"],
                            input=questions, cwd=REPO, env=python_env(), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["answers"][0]["text"] == "Liu Jinsong"
    assert second["question"] == "What is his position?"
    assert second["understood"] == "What is Liu Jinsong's position?"
