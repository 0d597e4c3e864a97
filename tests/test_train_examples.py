"""The examples train/reader.py makes beside the data's own: a reworded question keeps its
answer, a swapped one loses it, and neither touches what it must not."""

from __future__ import annotations

import random

from train.reader import near_words, reworded_question, swapped_question

CONTEXT = ("The ferry Aphrodite II capsized off Paros on Tuesday. Eleven people died and "
           "forty were injured, the coastguard said.")


def test_near_words_are_the_readers_own_neighbours_and_skip_stopwords() -> None:
    near = near_words({"died", "injured", "the", "zzzqx"})
    assert "killed" in near["died"] and "wounded" in near["injured"]
    assert set(near) == {"died", "injured"}        # a stopword and a word the vocabulary splits
    assert all("died" not in words and "injured" not in words for words in near.values())


def test_a_reworded_question_keeps_its_answer_and_never_touches_a_name() -> None:
    near = {"died": ["killed", "perished"], "people": ["persons"], "aphrodite": ["venus"]}
    question = "How many people died when the Aphrodite II capsized?"
    seen = {reworded_question(question, CONTEXT, near, random.Random(seed)) for seed in range(20)}
    assert seen == {"How many people killed when the Aphrodite II capsized?",
                    "How many people perished when the Aphrodite II capsized?",
                    "How many persons died when the Aphrodite II capsized?"}


def test_a_word_the_paragraph_already_uses_is_no_rewording() -> None:
    near = {"died": ["injured"]}           # the paragraph says "injured": the question would change
    assert reworded_question("How many people died?", CONTEXT, near, random.Random(0)) is None


def test_a_swapped_question_names_what_its_paragraph_does_not() -> None:
    pool = {"name": {"Aphrodite II", "Blue Star Delos"}}
    swapped = swapped_question("When did the Aphrodite II capsize?", CONTEXT, pool, random.Random(0))
    assert swapped == "When did the Blue Star Delos capsize?"
