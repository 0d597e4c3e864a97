"""What a browser keeps of a conversation: real answers come back whole, anything else
comes back as no conversation rather than an error on the page."""

from __future__ import annotations

from dataclasses import replace

from index import Index
from qa import Answer, ask
from ui.conversation import KEPT_ANSWERS, restored, stored


def test_answers_come_back_whole(seeds_index: Index) -> None:
    disputed = ask("Who is the Prime Minister of Japan?", seeds_index)
    none = ask("Who won the 1950 chess olympiad in Dubrovnik?", seeds_index)
    back = restored(stored([disputed, none]))
    # to_dict rounds scores to 4 places; everything else is as it was.
    assert [a.to_dict() for a in back] == [disputed.to_dict(), none.to_dict()]
    assert back[0].answers[0].citations == disputed.answers[0].citations
    assert back[0].conflict and back[0].conflicts == disputed.conflicts
    assert Answer.from_dict(disputed.to_dict()).to_dict() == disputed.to_dict()


def test_a_weaker_reading_an_edited_story_and_its_prints_come_back_as_they_were(seeds_index: Index) -> None:
    asked = ask("Who is the Prime Minister of Japan?", seeds_index)
    first, *rest = asked.answers
    marked = replace(asked, answers=(replace(first, weak=True, independent_sources=1), *rest),
                     conflicts=tuple(replace(c, edited=True) for c in asked.conflicts))
    back = Answer.from_dict(marked.to_dict())
    assert back.answers[0].weak and back.answers[0].independent_sources == 1
    assert all(c.edited for c in back.conflicts) and back.conflicts
    assert back.to_dict() == marked.to_dict()


def test_only_the_newest_answers_are_kept(seeds_index: Index) -> None:
    answer = ask("Which Chinese official did Kanai meet?", seeds_index)
    many = [Answer(f"question {n}", answer.answers) for n in range(KEPT_ANSWERS + 5)]
    back = restored(stored(many))
    assert [a.question for a in back] == [a.question for a in many[-KEPT_ANSWERS:]]


def test_what_is_not_a_conversation_is_an_empty_one(seeds_index: Index) -> None:
    good = ask("Which Chinese official did Kanai meet?", seeds_index).to_dict()
    broken = {**good, "answers": [{"text": "x"}]}             # a citation-less position
    for value in (None, "", "text", 3, [], {}, {"answers": "no"}, {"answers": [None, 1, "a"]},
                  {"answers": [broken]}):
        assert restored(value) == [], value
    assert [a.question for a in restored({"answers": [broken, good, {"question": 1}]})] == [
        good["question"]]
