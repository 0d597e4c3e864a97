"""From spans to positions: merging, one vote per source, and conflicts only where values
cannot both hold. Spans are placed by hand on passages of a real index (real spaCy
entities, real storage), so these rules are checked apart from what the reader finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Article, Index, Passage
from qa.positions import weigh
from qa.question import asks_what_it_is, ruled_out
from qa.reader import Calibration, Span
from qa.result import Answer
from qa.when import period_of

STORIES = {
    "a": "date 2025-11-17 TOKYO: Prime Minister Sanae Takaichi met Masaaki Kanai on 18 November "
         "2025 in Beijing, China. Four people were hurt. The talks were described as frank.",
    "b": "date 2025-11-17 TOKYO: Japan's leader, Takaichi, sent Takashi Kanai to China in 2025. "
         "Five people were hurt. The talks were said to be tense and long.",
    "c": "date 2025-11-18 OSAKA: Prime Minister Taro Kono sent a diplomat to China. 4 people were "
         "hurt. The gold was found near Moliagul, Victoria, Australia, in 1869.",
    "d": "date 2025-11-18 SYDNEY: The nugget was found at Moliagul in 1869. The diplomat stayed "
         "in Beijing for two days. Officials called the talks useful.",
    "e": "date 2025-11-18 TOKYO: Kanai heads the Asian and Oceanian Affairs Bureau of the Japanese "
         "Foreign Ministry.",
    "f": "date 2025-11-18 BEIJING: Kanai, director of the Asia-Oceania Bureau, arrived on Monday.",
    "g": "date 2025-11-18 HELSINKI: Norrsken offered $12.40 a share for the software maker.",
    "h": "date 2025-11-18 HELSINKI: The offer is a premium of 35 percent over Friday's close.",
    "i": "date 2025-11-18 GHENT: Thieves took three paintings worth 8 million euros, police said.",
    "j": "date 2025-11-19 GHENT: Five paintings were taken and a reward of 85,000 euros is offered.",
    "k": "date 2025-09-10 PAROS: The ferry ran aground at 7:40 a.m. on Tuesday, the coastguard said.",
    "l": "date 2025-09-10 ATHENS: The ferry hit the rocks at around 9:15 a.m., officials said.",
    "m": "date 2025-09-11 PAROS: The ferry struck the reef at 07:40 local time, 12:40 GMT.",
    "n": "date 2025-11-18 TOKYO: Prime Minister Sanae Takaichi spoke on Taiwan in parliament. Remarks "
         "by Japanese PM Takaichi angered Beijing, officials said.",
    "o": "date 2025-11-18 TOKYO: Takashi Kanai, the bureau director, flew to Beijing on Monday. Kanai "
         "will meet Liu Jinsong on Tuesday.",
    "p": "date 2025-06-08 MARIBOR: Oberholzer won by 14 seconds. The train came off the tracks around ten "
         "minutes after leaving the station. A magnitude 6.4 quake hurt 57 people.",
    "q": "date 2025-06-09 MARIBOR: Oberholzer held off the chasing group by 22 seconds.",
    "r": "date 2025-11-18 HELSINKI: Norrsken will pay 12.40 euros a share for Lumivaara.",
    "s": "date 2025-11-18 HELSINKI: Lumivaara has 900 staff; the bid is 12.40 euros a share.",
    "t": "date 2025-11-19 HELSINKI: The bid is 13.10 euros a share, up from 12.40 euros.",
    "u": "date 2025-10-15 GHENT: Thieves stole three 17th-century paintings from the museum.",
    "v": "date 2025-10-15 BRUGES: The paintings were stolen on October 14, police said.",
    "w": "date 2025-11-19 ESPOO: Lumivaara has 900 staff; one paper said 13.10 euros a share.",
}


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, Passage]:
    index = Index.open(Path(tmp_path_factory.mktemp("positions")) / "index")
    index.add_articles([Article(doc_id, text, title=doc_id) for doc_id, text in STORIES.items()])
    found = index.passages(range(1, 100))
    return {p.chunk.doc_id: p for p in found}


PM_TEXT = "Who is the prime minister of Japan?"


def span(passages: dict[str, Passage], doc_id: str, quote: str, confidence: float = 0.8) -> Span:
    passage = passages[doc_id]
    start = passage.article.text.index(quote)
    return Span(passage, start, start + len(quote), margin=1.0, confidence=confidence)


def weighed(question: str, spans: list[Span]):
    positions, conflicts = weigh(spans, question)
    return {p.text: p for p in positions}, conflicts


def test_two_people_for_one_post_conflict_and_the_lone_one_is_disputed(passages) -> None:
    by_text, conflicts = weighed("Who is the prime minister of Japan?", [
        span(passages, "a", "Sanae Takaichi"), span(passages, "b", "Takaichi"),
        span(passages, "c", "Taro Kono")])
    assert set(by_text) == {"Sanae Takaichi", "Taro Kono"}
    assert by_text["Sanae Takaichi"].support == 2 and not by_text["Sanae Takaichi"].disputed
    assert by_text["Taro Kono"].disputed
    assert len(conflicts) == 1 and "different people" in conflicts[0].reason


def test_a_surname_shared_by_two_full_names_joins_neither(passages) -> None:
    by_text, conflicts = weighed("Who directs the bureau?", [
        span(passages, "a", "Masaaki Kanai"), span(passages, "b", "Takashi Kanai")])
    assert set(by_text) == {"Masaaki Kanai", "Takashi Kanai"}
    assert conflicts


def test_a_name_with_its_title_is_that_name_and_can_disagree(passages) -> None:
    by_text, conflicts = weighed(PM_TEXT, [
        span(passages, "a", "Prime Minister Sanae Takaichi"), span(passages, "c", "Taro Kono", 0.7)])
    assert by_text["Prime Minister Sanae Takaichi"].label == "PERSON"
    assert len(conflicts) == 1 and "different people" in conflicts[0].reason


def test_a_surname_counts_for_the_person_its_own_source_names(passages) -> None:
    """"Kanai" in a story about Takashi Kanai is Takashi Kanai: it must not be counted as a
    second source for another source's Masaaki Kanai."""
    text = passages["o"].article.text
    quote = text.index("Kanai will")
    kanai = Span(passages["o"], quote, quote + len("Kanai"), margin=1.0, confidence=0.8)
    by_text, conflicts = weighed("Who will meet Liu Jinsong?", [span(passages, "a", "Masaaki Kanai", 0.9),
                                                                kanai])
    assert set(by_text) == {"Masaaki Kanai", "Takashi Kanai"}
    assert [c.doc_id for c in by_text["Masaaki Kanai"].citations] == ["a"]
    assert [c.quote for c in by_text["Takashi Kanai"].citations] == ["Kanai"]
    assert len(conflicts) == 1


def test_a_name_the_tagger_missed_is_the_name_it_tagged_beside_it(passages) -> None:
    """spaCy tags "Sanae Takaichi" a person and leaves "Takaichi" in "Japanese PM Takaichi"
    untagged: that mention is her name all the same, and can disagree with another."""
    text = passages["n"].article.text
    quote = text.index("Takaichi angered")
    takaichi = Span(passages["n"], quote, quote + len("Takaichi"), margin=1.0, confidence=0.8)
    by_text, conflicts = weighed("Who spoke about Taiwan?", [takaichi, span(passages, "c", "Taro Kono", 0.7)])
    assert by_text["Sanae Takaichi"].label == "PERSON"      # the name her own source gives
    assert [c.quote for c in by_text["Sanae Takaichi"].citations] == ["Takaichi"]
    assert len(conflicts) == 1 and "different people" in conflicts[0].reason


def test_two_times_of_day_disagree_and_one_time_written_two_ways_agrees(passages) -> None:
    by_text, conflicts = weighed("At what time did the ferry hit the rocks?", [
        span(passages, "k", "7:40 a.m"), span(passages, "l", "9:15 a.m.", 0.7)])
    assert len(conflicts) == 1 and "different times" in conflicts[0].reason
    by_text, conflicts = weighed("At what time did the ferry hit the rocks?", [
        span(passages, "k", "7:40 a.m"), span(passages, "m", "07:40")])
    assert list(by_text) == ["7:40 a.m"] and by_text["7:40 a.m"].support == 2 and not conflicts
    _, conflicts = weighed("At what time did the ferry hit the rocks?", [
        span(passages, "l", "9:15 a.m."), span(passages, "m", "12:40 GMT")])
    assert not conflicts


def test_a_date_at_two_precisions_is_one_answer(passages) -> None:
    by_text, conflicts = weighed("When did they meet?", [
        span(passages, "a", "18 November 2025"), span(passages, "b", "2025")])
    assert list(by_text) == ["18 November 2025"] and by_text["18 November 2025"].support == 2
    assert not conflicts


def test_a_place_and_the_fuller_place_that_contains_it_agree(passages) -> None:
    by_text, conflicts = weighed("Where was the nugget found?", [
        span(passages, "c", "Moliagul, Victoria, Australia"), span(passages, "d", "Moliagul")])
    assert list(by_text) == ["Moliagul, Victoria, Australia"]
    assert not conflicts


def test_a_city_and_its_country_named_together_do_not_conflict(passages) -> None:
    by_text, conflicts = weighed("Where were the talks?", [
        span(passages, "a", "Beijing"), span(passages, "b", "China")])
    assert set(by_text) == {"Beijing", "China"}
    assert not conflicts


def test_numbers_merge_by_value_and_conflict_when_they_differ(passages) -> None:
    by_text, conflicts = weighed("How many people were hurt?", [
        span(passages, "a", "Four"), span(passages, "c", "4"), span(passages, "b", "Five")])
    assert by_text["Four"].support == 2 and by_text["Five"].disputed
    assert len(conflicts) == 1 and "numbers" in conflicts[0].reason


def test_free_text_answers_never_conflict(passages) -> None:
    by_text, conflicts = weighed("How were the talks described?", [
        span(passages, "a", "frank"), span(passages, "b", "tense and long"),
        span(passages, "d", "useful")])
    assert len(by_text) == 3 and not conflicts


def test_each_source_votes_once_with_its_most_confident_span(passages) -> None:
    by_text, _ = weighed("Who is the prime minister of Japan?", [
        span(passages, "c", "China", 0.2), span(passages, "c", "Taro Kono", 0.9),
        span(passages, "a", "Sanae Takaichi", 0.7)])
    assert set(by_text) == {"Taro Kono", "Sanae Takaichi"}
    assert by_text["Taro Kono"].score == 0.9
    for position in by_text.values():
        assert all(c.sentence_start <= c.start < c.end <= c.sentence_end for c in position.citations)


def test_a_doubtful_rival_is_shown_but_not_called_a_disagreement(passages) -> None:
    by_text, conflicts = weighed("Who is the prime minister of Japan?", [
        span(passages, "a", "Sanae Takaichi", 0.9), span(passages, "c", "Taro Kono", 0.4)])
    assert set(by_text) == {"Sanae Takaichi", "Taro Kono"}
    assert not conflicts and not any(p.disputed for p in by_text.values())
    assert by_text["Taro Kono"].weak and not by_text["Sanae Takaichi"].weak


def test_an_answer_that_contradicts_a_stronger_one_without_a_disagreement_is_a_weaker_reading(
        passages) -> None:
    # Both reach the answer threshold (0.5); the weaker is short of `disagree`. Shown as two
    # plain answers, a reader would see two prime ministers and no word that they clash.
    strict = Calibration(scale=1.0, shift=-3.0, threshold=0.5, disagree=0.7)
    positions, conflicts = weigh([span(passages, "a", "Sanae Takaichi", 0.9),
                                  span(passages, "c", "Taro Kono", 0.6)], PM_TEXT, strict)
    assert not conflicts
    assert [(p.text, p.weak) for p in positions] == [("Sanae Takaichi", False), ("Taro Kono", True)]


# As a calibration file gives them: answers from 0.5, disagreements from 0.3, and the reader
# answers at all (its span beats "no answer") from sigmoid(-3) = 0.047.
CALIBRATED = Calibration(scale=1.0, shift=-3.0, threshold=0.5, disagree=0.3)


def test_a_side_too_weak_to_claim_a_disagreement_is_listed_as_a_weaker_reading(passages) -> None:
    positions, conflicts = weigh([span(passages, "a", "Sanae Takaichi", 0.9),
                                  span(passages, "c", "Taro Kono", 0.2)], PM_TEXT, CALIBRATED)
    assert [(p.text, p.weak, p.disputed) for p in positions] == [
        ("Sanae Takaichi", False, False), ("Taro Kono", True, False)]
    assert not conflicts
    assert positions[1].to_dict()["weak"] is True
    assert "[weaker reading]" in Answer(PM_TEXT, positions, conflicts).to_text()


def test_the_weaker_side_at_the_calibrated_confidence_makes_a_disagreement(passages) -> None:
    positions, conflicts = weigh([span(passages, "a", "Sanae Takaichi", 0.9),
                                  span(passages, "c", "Taro Kono", 0.35)], PM_TEXT, CALIBRATED)
    assert len(conflicts) == 1
    assert [(p.text, p.weak, p.disputed) for p in positions] == [
        ("Sanae Takaichi", False, False), ("Taro Kono", False, False)]


def test_two_values_neither_an_answer_are_no_answer_and_no_disagreement(passages) -> None:
    positions, conflicts = weigh([span(passages, "a", "Sanae Takaichi", 0.45),
                                  span(passages, "c", "Taro Kono", 0.4)], PM_TEXT, CALIBRATED)
    assert positions == () and conflicts == ()


def test_a_weak_reading_that_does_not_contradict_the_answer_is_not_listed(passages) -> None:
    positions, _ = weigh([span(passages, "a", "Four", 0.9), span(passages, "c", "4", 0.2),
                          span(passages, "d", "useful", 0.2)], "How many people were hurt?", CALIBRATED)
    assert [(p.text, p.support, p.weak) for p in positions] == [("Four", 2, False)]


def test_the_same_words_typed_in_one_source_and_not_in_another_are_one_answer(passages) -> None:
    by_text, _ = weighed("Where was the nugget found?", [
        span(passages, "c", "Moliagul"), span(passages, "d", "Moliagul")])
    assert list(by_text) == ["Moliagul"] and by_text["Moliagul"].support == 2


def test_two_spellings_of_one_name_do_not_conflict(passages) -> None:
    _, conflicts = weighed("Which bureau does Kanai head?", [
        span(passages, "e", "Asian and Oceanian Affairs Bureau"), span(passages, "f", "Asia-Oceania Bureau")])
    assert not conflicts


# Sources with their dates and outlets kept apart from the text, as the index stores them.
DATED = {
    "oct21": ("2025-10-21", "Prime Minister Shigeru Ishiba met the envoy in Tokyo."),
    "nov03": ("2025-11-03", "Prime Minister Sanae Takaichi met the envoy in Tokyo."),
    "nov03b": ("2025-11-03", "Prime Minister Taro Kono met the envoy in Tokyo."),
    "nov18": ("2025-11-18", "Prime Minister Shigeru Ishiba met the envoy in Osaka."),
    "undated": ("", "Prime Minister Taro Kono met the envoy in Osaka."),
    "nov05": ("2025-11-05", "Prime Minister Sanae Takaichi spoke in Nagoya."),
    "sep30": ("2025-09-30", "Prime Minister Fumio Kishida met the envoy in Kyoto."),
}


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, Passage]:
    index = Index.open(Path(tmp_path_factory.mktemp("dated")) / "index")
    index.add_articles([Article(doc_id, text, title=f"Envoy story {doc_id}", date=day,
                                url=f"https://news.example/{doc_id}", source="Kyodo News")
                        for doc_id, (day, text) in DATED.items()])
    return {p.chunk.doc_id: p for p in index.passages(range(1, 100))}



def test_a_change_over_time_is_said_so_with_the_newer_side_first(dated) -> None:
    positions, conflicts = weigh([span(dated, "oct21", "Shigeru Ishiba"),
                                  span(dated, "nov03", "Sanae Takaichi")], PM_TEXT)
    assert len(conflicts) == 1 and conflicts[0].in_time
    conflict = conflicts[0]
    assert [positions[i].text for i in conflict.answers] == ["Sanae Takaichi", "Shigeru Ishiba"]
    assert conflict.timeline == ("the newer source, 3 Nov 2025, says 'Sanae Takaichi'; "
                                 "the older, 21 Oct 2025, says 'Shigeru Ishiba'")
    assert conflict.reason.endswith(conflict.timeline) and "different people" in conflict.reason
    assert conflict.to_dict()["in_time"] is True
    assert conflict.timeline in Answer(PM_TEXT, positions, conflicts).to_text()


def test_three_sides_in_time_read_newest_to_oldest(dated) -> None:
    positions, conflicts = weigh([span(dated, "oct21", "Shigeru Ishiba"),
                                  span(dated, "sep30", "Fumio Kishida"),
                                  span(dated, "nov03", "Sanae Takaichi")], PM_TEXT)
    assert len(conflicts) == 1 and conflicts[0].in_time
    assert [positions[i].text for i in conflicts[0].answers] == [
        "Sanae Takaichi", "Shigeru Ishiba", "Fumio Kishida"]
    assert conflicts[0].timeline == ("the newest source, 3 Nov 2025, says 'Sanae Takaichi'; "
                                     "the earlier, 21 Oct 2025, says 'Shigeru Ishiba'; "
                                     "the oldest, 30 Sep 2025, says 'Fumio Kishida'")


def test_sides_whose_dates_overlap_are_not_ordered_in_time(dated) -> None:
    positions, conflicts = weigh([span(dated, "oct21", "Shigeru Ishiba"),
                                  span(dated, "nov18", "Shigeru Ishiba"),
                                  span(dated, "nov03", "Sanae Takaichi")], PM_TEXT)
    # Ishiba's sources (21 Oct and 18 Nov) straddle Takaichi's (3 Nov): no clean change
    # over time, so the disagreement reads as today, majority first.
    assert len(conflicts) == 1 and not conflicts[0].in_time
    assert [positions[i].text for i in conflicts[0].answers] == ["Shigeru Ishiba", "Sanae Takaichi"]


@pytest.mark.parametrize("other", ["nov03b", "undated"])
def test_equal_or_missing_dates_read_as_today(dated, other: str) -> None:
    _, conflicts = weigh([span(dated, "nov03", "Sanae Takaichi"),
                                  span(dated, other, "Taro Kono")], PM_TEXT)
    assert len(conflicts) == 1 and not conflicts[0].in_time and conflicts[0].timeline == ""
    assert conflicts[0].reason == ("the sources name different people: 'Sanae Takaichi' (1 source); "
                                   "'Taro Kono' (1 source)")
    assert list(conflicts[0].answers) == [0, 1]


def test_a_citation_names_its_source_as_a_reader_does(dated) -> None:
    positions, _ = weigh([span(dated, "nov03", "Sanae Takaichi")], PM_TEXT)
    citation = positions[0].citations[0]
    assert (citation.outlet, citation.published, citation.url, citation.page) == (
        "Kyodo News", "2025-11-03", "https://news.example/nov03", None)
    assert citation.header() == "Kyodo News · 3 Nov 2025 · Envoy story nov03"
    assert set(citation.to_dict()) >= {"doc_id", "title", "date", "url", "outlet", "published", "page"}


def test_a_question_about_a_time_puts_the_source_of_then_first(dated) -> None:
    spans = [span(dated, "nov03", "Sanae Takaichi"), span(dated, "nov05", "Sanae Takaichi"),
             span(dated, "oct21", "Shigeru Ishiba")]
    positions, _ = weigh(spans, PM_TEXT)
    assert positions[0].text == "Sanae Takaichi" and positions[1].disputed
    positions, conflicts = weigh(spans, PM_TEXT, period=period_of("in October 2025"))
    assert [p.text for p in positions] == ["Shigeru Ishiba", "Sanae Takaichi"]
    # Said in November, Takaichi answers another time: listed after, and no disagreement.
    assert not positions[0].disputed and not positions[1].disputed and not conflicts
    # A single day names when something happened, reported the next day too: still a conflict.
    _, conflicts = weigh(spans, PM_TEXT, period=period_of("on 3 November 2025"))
    assert conflicts


def test_a_count_with_the_thing_counted_is_the_same_count(passages) -> None:
    by_text, conflicts = weighed("How many people were hurt?", [
        span(passages, "a", "Four people"), span(passages, "c", "4"), span(passages, "b", "Five people")])
    assert {p.text: p.support for p in by_text.values()} == {"Four people": 2, "Five people": 1}
    assert len(conflicts) == 1 and "numbers" in conflicts[0].reason


def test_a_value_of_a_kind_the_question_rules_out_neither_answers_nor_disagrees(passages) -> None:
    by_text, conflicts = weighed("How many people were hurt?", [
        span(passages, "a", "Four", 0.6), span(passages, "b", "2025", 0.9)])
    assert list(by_text) == ["Four"] and not conflicts
    by_text, _ = weighed("Who sent the diplomat?", [
        span(passages, "c", "Taro Kono", 0.6), span(passages, "a", "18 November 2025", 0.9)])
    assert list(by_text) == ["Taro Kono"]


@pytest.mark.parametrize(("question", "out", "allowed"), [
    ("How many votes did she get?", "PERCENT", "CARDINAL"),
    ("How many percent voted?", "DATE", "PERCENT"),
    ("When did the port reopen?", "PERSON", "DATE"),
    ("Who won the race?", "DATE", "PERSON"),
    ("What was the number of passengers on the train?", "MONEY", "CARDINAL"),
    ("What is the death toll?", "DATE", "CARDINAL"),
    ("At what time was the alarm raised?", "CARDINAL", "TIME"),
    ("By when should the deal close?", "MONEY", "DATE"),
    ("On which day did the vote take place?", "PERSON", "DATE"),
    ("How fast was the train going?", "TIME", "QUANTITY"),
    ("How long was the course?", "PERSON", "QUANTITY"),
    ("By how many seconds did he win?", "PERCENT", "TIME"),
    ("How high was turnout?", "PERSON", "PERCENT"),
    ("Where was the epicentre?", "CARDINAL", "GPE"),
])
def test_question_words_rule_out_kinds_of_value(question: str, out: str, allowed: str) -> None:
    assert out in ruled_out(question) and allowed not in ruled_out(question)
    assert ruled_out("What was said?") == frozenset()
    assert ruled_out("Which company cut the number of jobs?") == frozenset()


def test_a_number_with_a_currency_after_it_is_money_and_no_count(passages) -> None:
    """spaCy tags "8 million" in "8 million euros" a plain number: a count of paintings
    must neither be answered by the sum nor disagree with a reward."""
    by_text, conflicts = weighed("How many paintings were stolen?", [
        span(passages, "i", "three", 0.6), span(passages, "i", "8 million", 0.9),
        span(passages, "j", "85,000", 0.9)])
    assert list(by_text) == ["three"] and not conflicts
    by_text, conflicts = weighed("How much were the paintings worth?", [
        span(passages, "i", "8 million", 0.9), span(passages, "j", "Five", 0.8)])
    assert not conflicts and by_text["8 million"].label == "MONEY"


def test_asked_where_an_organisation_label_is_read_as_a_place(passages) -> None:
    spans = [span(passages, "e", "Asian and Oceanian Affairs Bureau"), span(passages, "a", "Beijing")]
    assert weighed("Where is Kanai?", spans)[1]
    assert not weighed("Who has Kanai?", spans)[1]


def test_what_a_name_is_is_described_and_descriptions_never_conflict(passages) -> None:
    by_text, conflicts = weighed("Who is Takaichi?", [
        span(passages, "a", "Prime Minister"), span(passages, "c", "Taro Kono"),
        span(passages, "b", "Takashi Kanai")])
    assert len(by_text) == 3 and not conflicts
    assert asks_what_it_is("Who is Sanae Takaichi?", ["Sanae Takaichi"])
    assert not asks_what_it_is("Who is the prime minister?", ["Sanae Takaichi"])


def test_a_price_and_a_share_are_not_one_quantity(passages) -> None:
    by_text, conflicts = weighed("How much is Norrsken offering?", [
        span(passages, "g", "$12.40"), span(passages, "h", "35 percent")])
    assert {p.label for p in by_text.values()} == {"MONEY", "PERCENT"}
    assert not conflicts


def test_lengths_of_time_compare_and_answer_no_count_or_speed(passages) -> None:
    """"14 seconds" against "22 seconds" is a disagreement (their keys were text, and text
    never conflicts); "ten minutes", which spaCy may leave untagged, is an amount of
    time: it answers neither a speed nor a count."""
    by_text, conflicts = weighed("By how many seconds did Oberholzer win?", [
        span(passages, "p", "14 seconds"), span(passages, "q", "22 seconds", 0.7)])
    assert set(by_text) == {"14 seconds", "22 seconds"}
    assert len(conflicts) == 1 and "lengths of time" in conflicts[0].reason
    # The reader often leaves the unit out: "22" in "by 22 seconds" is 22 seconds.
    by_text, conflicts = weighed("By how many seconds did Oberholzer win?", [
        span(passages, "p", "14 seconds"), span(passages, "q", "22", 0.7)])
    assert set(by_text) == {"14 seconds", "22"} and len(conflicts) == 1
    assert not weighed("How fast was the train going?", [span(passages, "p", "ten minutes", 0.9)])[0]
    by_text, _ = weighed("How many people were hurt?", [
        span(passages, "p", "ten minutes", 0.9), span(passages, "p", "57", 0.6)])
    assert list(by_text) == ["57"]


def test_a_count_of_people_is_a_whole_number(passages) -> None:
    """"What is the number of injured?" was answered with the quake's magnitude, 6.4."""
    spans = [span(passages, "p", "6.4", 0.9), span(passages, "p", "57", 0.6)]
    assert list(weighed("What is the number of injured from the quake?", spans)[0]) == ["57"]
    assert list(weighed("What was the magnitude of the quake?", spans)[0]) == ["6.4"]


LENT = Calibration(scale=1.0, shift=-3.0, threshold=0.42, disagree=0.54)


def test_a_value_a_source_reads_below_its_own_answer_still_counts_for_it(passages) -> None:
    """Report s's best span is its staff count; its next is the price report r gives. The
    price is answered, cited to r alone, as it would be if s's best span were the price."""
    positions, conflicts = weigh([span(passages, "r", "12.40 euros", 0.375), span(passages, "s", "900", 0.26),
                                  span(passages, "s", "12.40 euros", 0.13)],
                                 "What is the offer for each Lumivaara share?", LENT)
    assert [p.text for p in positions] == ["12.40 euros"] and not conflicts
    assert positions[0].score == pytest.approx(1 - 0.625 * 0.87)
    assert {c.doc_id for c in positions[0].citations} == {"r"} and positions[0].support == 1


def test_a_source_lends_nothing_to_a_value_its_own_answer_contradicts(passages) -> None:
    """t says 13.10 euros and mentions 12.40 as the old bid: its reading of 12.40 is no
    support for 12.40 as the offer."""
    positions, _ = weigh([span(passages, "r", "12.40 euros", 0.375), span(passages, "t", "13.10 euros", 0.3),
                          span(passages, "t", "12.40 euros", 0.2)],
                         "What is the offer for each Lumivaara share?", LENT)
    assert positions == ()


def test_a_lent_reading_helps_a_value_answer_but_claims_no_disagreement(passages) -> None:
    """13.10 euros is t's answer, read too weakly to dispute 12.40; w's weaker reading of it
    lifts its score, but w answered with its staff count and takes no side."""
    spans = [span(passages, "r", "12.40 euros", 0.9), span(passages, "t", "13.10 euros", 0.5),
             span(passages, "w", "900", 0.6), span(passages, "w", "13.10 euros", 0.3)]
    positions, conflicts = weigh(spans, "What is the offer for each Lumivaara share?", LENT)
    assert not conflicts
    by_text = {p.text: p for p in positions}
    assert by_text["13.10 euros"].weak and by_text["13.10 euros"].score == pytest.approx(0.65)


def test_a_period_written_as_an_adjective_does_not_date_the_event(passages) -> None:
    """"17th-century" says what was stolen, not when: it is no rival date to October 14."""
    by_text, conflicts = weighed("When were the paintings stolen?", [
        span(passages, "v", "October 14", 0.9), span(passages, "u", "17th-century", 0.8)])
    assert set(by_text) == {"October 14", "17th-century"} and not conflicts
    assert by_text["17th-century"].label == "TEXT"
