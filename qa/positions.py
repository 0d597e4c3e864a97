"""From the reader's spans to positions: who says what, and where they cannot all be right.

Each source votes once, with its most confident span; its weaker readings of other
values that its vote does not contradict add to those values' scores, not to their
sources, so that a value does not hang on which of a source's spans the question's
wording put first. Spans that mean the same thing
merge ("four" = "4", "Takaichi" = "Sanae Takaichi", "Tuesday" = "18 November 2025" in
a story dated the 17th), and a less specific answer joins the one fuller answer that
contains it ("2025" joins "18 November 2025", "Moliagul" joins "Moliagul, Victoria").

Two positions conflict when their values cannot both hold (two people, two numbers, two
days, two times of day), both or neither were said in the time the question names, the
stronger is an answer, and the weaker is read, by the sources that give it as their
answer, with at least the calibrated `disagree` confidence (train/verdict.py chooses it
on made disagreements, agreements and unrelated pairs, for few false alarms). Free-text
answers never conflict: two wordings of a description are not a contradiction, and a
false "Sources disagree" is as bad as a hidden one. A value that contradicts an answer
but is read too weakly to claim a disagreement is still listed, as a weaker reading
with its source: no side of a question disappears without a word.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from itertools import pairwise

from index import Passage
from qa.question import asks_count, asks_what_it_is, asks_where, ruled_out, subjects
from qa.reader import Calibration, Span
from qa.result import Citation, Conflict, Position, Source
from qa.values import (
    NAME_LABELS,
    clock_value,
    fold,
    is_duration,
    is_money,
    is_number,
    name_words,
    number_value,
    value_key,
)
from qa.when import Period, parse_date, published, readable_date, time_ranks

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NUMBER_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
VALUE_LABELS = frozenset({"DATE", "TIME", "ORDINAL"})
# Labels spaCy gives a person's name, one as often as the other ("Masaaki Kanai" is an ORG).
AGENT_LABELS = frozenset({"PERSON", "ORG"})
# Words a count may carry beside its number and still be that count: "23 people", "three
# stolen paintings".
COUNTED_WORDS = 2
# Without a calibration file: every reading is an answer (hand-placed spans in tests).
UNCALIBRATED = Calibration(threshold=0.0)
_KINDS = {"PERSON": "people", "ORG": "organisations", "NORP": "groups", "GPE": "places",
          "LOC": "places", "FAC": "places", "date": "dates", "time": "times", "num": "numbers",
          "dur": "lengths of time"}


@dataclass(frozen=True)
class Typed:
    """A span with what it names: the label of the entity that makes up most of it, and
    the value as its source gives it in full (`value`: "Takashi Kanai" for a "Kanai" read
    in a story that names him so)."""

    span: Span
    label: str
    key: str
    value: str

    @property
    def doc_id(self) -> str:
        return self.span.doc_id


@dataclass
class _Group:
    key: str
    label: str
    members: list[Typed] = field(default_factory=list)
    # Readings of this value by sources whose own answer is another value that does not
    # contradict it: they add to the score, not to the sources (`_lend`).
    also: list[Typed] = field(default_factory=list)

    @property
    def docs(self) -> set[str]:
        return {m.doc_id for m in self.members}

    @property
    def stories(self) -> dict[str, float]:
        """Each independent source's best confidence: prints of one wire story
        (`Passage.copies`) are one source, read the same way in every print."""
        best: dict[str, float] = {}
        for member in self.members:
            story = _story(member)
            best[story] = max(best.get(story, 0.0), member.span.confidence)
        return best

    @property
    def score(self) -> float:
        """How likely it is that the sources say this: at least one of their readings is
        right (each independent source reads its own text, so their errors are independent).
        Readings lent by sources that answered otherwise count (`also`)."""
        stories = self.stories
        for member in self.also:
            stories.setdefault(_story(member), member.span.confidence)
        return _either(stories.values())

    @property
    def voted(self) -> float:
        """The score from the sources' own answers alone: what a disagreement is claimed on.
        A source that answered something else does not take a side."""
        return _either(self.stories.values())


def _either(confidences: Iterable[float]) -> float:
    """The chance that at least one of independent readings is right."""
    wrong = 1.0
    for confidence in confidences:
        wrong *= 1.0 - confidence
    return 1.0 - wrong


def _story(member: Typed) -> str:
    """The story a source prints: its group's original for a print of a wire story, else
    itself."""
    copies = member.span.passage.copies
    return copies.original if copies else member.doc_id


# A period made an adjective by a hyphen: "17th-century", "Victorian-era", "1990s-era".
_ATTRIBUTIVE = re.compile(r"\S+-(?:century|era)\b", re.IGNORECASE)


def typed(span: Span, description: bool = False) -> Typed:
    """The span's label is that of the entity covering most of it, if that entity covers
    at least half the span. A count is a count however it is worded or tagged: "Eleven"
    opening a sentence (which spaCy leaves untagged), or "23 people" (a number and the
    thing counted). Anything else, any answer to "who is X?" (a `description`), and a
    period written as an adjective ("17th-century" paintings, a "Soviet-era" tank: what
    the thing is, not when anything happened to it) is free text."""
    if description or _ATTRIBUTIVE.match(span.text):
        return Typed(span, "TEXT", value_key(span.text, "TEXT"), span.text)
    text = span.passage.article.text
    best, label, named = 0, "TEXT", ""
    numbers = []
    for entity in span.passage.entities:
        overlap = min(entity.end, span.end) - max(entity.start, span.start)
        if overlap > best:
            best, label, named = overlap, entity.label, text[entity.start:entity.end]
        if overlap > 0 and entity.label in NUMBER_LABELS:
            numbers.append(entity)
    titled = label in NAME_LABELS and name_words(span.text) == name_words(named)
    if best * 2 < span.end - span.start and not titled:   # "Prime Minister Sanae Takaichi" is her name
        label = "TEXT"
        if is_number(span.text):
            label = "CARDINAL"
        elif len(numbers) == 1 and len(span.text.split()) - len(
                text[numbers[0].start:numbers[0].end].split()) <= COUNTED_WORDS:
            label = numbers[0].label
    if label not in NAME_LABELS | NUMBER_LABELS | VALUE_LABELS:
        label = _name_elsewhere(span) or label
    if label in ("CARDINAL", "QUANTITY") and is_money(_with_unit(span)):
        label = "MONEY"
    elif label in ("TEXT", "CARDINAL") and clock_value(_with_unit(span), stated=True):
        label = "TIME"       # "6 a.m" that the tagger left untagged or called a number
    lasting = _lasting(span) if label in ("TEXT", "CARDINAL", "QUANTITY", "DATE", "TIME") else ""
    if lasting and label not in ("DATE", "TIME"):
        label = "TIME"       # "ten minutes", "22" seconds: an amount of time, never a count or a speed
    value = _full_name(span) if label in AGENT_LABELS else lasting or span.text
    return Typed(span, label, value_key(value, label, published(span.passage.article)), value)


def _full_name(span: Span) -> str:
    """The one fuller name of a person or organisation that the span's passage gives for
    it ("Kanai" in a story about "Takashi Kanai"), else the span: a surname counts for
    the person its own source names, never for a namesake in another source. When the
    passage names two ("Masaaki Kanai" and "Takashi Kanai"), the span stays as it is."""
    words = name_words(span.text)
    fuller = {name_words(name): name for _, name in _names_holding(span, AGENT_LABELS)
              if name_words(name) != words}
    return next(iter(fuller.values())) if len(fuller) == 1 else span.text


def _name_elsewhere(span: Span) -> str:
    """The label of a name the passage tags elsewhere that holds all of the span's words,
    when the span is written as a name: the tagger labels each mention on its own, and
    calls "Takaichi" a work of art beside "Sanae Takaichi", a person. "" if none."""
    words = name_words(span.text)
    if not all(w[:1].isupper() for w in span.text.split() if w.lower() in words):
        return ""
    return next((label for label, _ in _names_holding(span, NAME_LABELS)), "")


def _names_holding(span: Span, labels: frozenset[str]) -> list[tuple[str, str]]:
    """(label, name) of each entity of the span's passage with one of `labels` whose
    words, titles aside, include all of the span's; none for a span without such words."""
    words = name_words(span.text)
    text = span.passage.article.text
    return [(e.label, text[e.start:e.end]) for e in span.passage.entities
            if words and e.label in labels and words <= name_words(text[e.start:e.end])]


def _with_unit(span: Span) -> str:
    """The span with the character before it and the word after it, where a number's
    currency or a time's zone stands ("$12.40", "450 million" euros, "07:40" local time)."""
    text = span.passage.article.text
    return text[max(0, span.start - 1):span.end] + _word_after(span)


def _word_after(span: Span) -> str:
    after = re.match(r"\s*[^\s.,;:!?]+", span.passage.article.text[span.end:span.end + 24])
    return after.group() if after else ""


def _lasting(span: Span) -> str:
    """The span as a length of time: itself ("ten minutes"), or with the unit the reader
    left out after it ("22" in "by 22 seconds"); "" when it is none."""
    return next((text for text in (span.text, span.text + _word_after(span)) if is_duration(text)), "")


def weigh(spans: list[Span], question: str, calibration: Calibration = UNCALIBRATED,
          period: Period | None = None) -> tuple[tuple[Position, ...], tuple[Conflict, ...]]:
    """Positions best first (answers by most sources, then confidence; weaker readings
    last), and the conflicts among them.

    A value is an answer when its score reaches the calibrated threshold: a value two
    sources read with middling confidence can be an answer where either alone would not.
    When the question names a `period` ("in 2023", "as of November 4"), positions with a
    source dated then come first, and a value said only at another time does not
    contradict one said then (`_apart_in_time`): the toll two days later answers another
    question."""
    named = subjects(question, (s.passage for s in spans))
    wrong_kinds = ruled_out(question)
    described = asks_what_it_is(question, named)
    counting = asks_count(question)
    votes: dict[str, Typed] = {}
    read: list[Typed] = []
    for span in sorted(spans, key=lambda s: -s.confidence):
        member = typed(span, described)
        if member.label not in wrong_kinds and not (counting and _fraction(member)):
            votes.setdefault(span.doc_id, member)
            read.append(member)
    groups: dict[str, _Group] = {}
    for member in votes.values():
        groups.setdefault(member.key, _Group(member.key, member.label)).members.append(member)
    merged = _merge_contained(list(groups.values()))
    where = asks_where(question)
    against = lambda a, b: (_incompatible(a, b, where) and not _different_subjects(a, b, named)  # noqa: E731
                            and not _apart_in_time(a, b, period))
    _lend(merged, read, against)
    answers = [g for g in merged if g.score >= calibration.threshold]
    weaker = [g for g in merged if calibration.floor <= g.score < calibration.threshold
              and any(against(g, a) for a in answers)]
    shown = answers + weaker
    rivals = {i: {j for j, b in enumerate(shown) if j != i and (
        max(a.score, b.score) >= calibration.threshold and min(a.voted, b.voted) >= calibration.disagree
        and against(a, b))} for i, a in enumerate(shown)}
    # A value that contradicts a stronger answer, with no disagreement to claim, is a weaker
    # reading even where it reaches the answer threshold: two values that cannot both hold
    # are never shown as two plain answers.
    weak = {i for i, g in enumerate(shown) if not rivals[i] and (
        g.score < calibration.threshold or any(a.score > g.score and against(g, a) for a in answers))}
    order = sorted(range(len(shown)), reverse=True, key=lambda i: (
        i not in weak, shown[i].score >= calibration.threshold, *_standing(shown[i], period), shown[i].score))
    positions = tuple(
        _position(shown[i], weak=i in weak, disputed=any(
            _standing(shown[j], period) > _standing(shown[i], period) for j in rivals[i]))
        for i in order)
    at = {i: n for n, i in enumerate(order)}
    sides = _components({at[i]: {at[j] for j in rivals[i]} for i in order})
    conflicts = tuple(_conflict(side, [shown[i] for i in order], positions) for side in sides)
    return positions, conflicts


def _lend(groups: list[_Group], read: list[Typed], against: Callable[[_Group, _Group], bool]) -> None:
    """Each source's readings of the values it did not vote for, where its own vote does not
    contradict them, go to those values' scores (`_Group.also`). A source votes once, so a
    value it also reads is otherwise lost: asked "What is the offer for each share?", one
    report's best span is "customers in 30 countries" and its next "12.40 euros", which the
    other report reads at 0.38; together they answer, as they do when the question is worded
    so that the first report's best span is the price."""
    voted = {m.doc_id: g for g in groups for m in g.members}
    for group in groups:
        for doc, own in voted.items():
            if doc in group.docs or against(own, group):
                continue
            same = next((m for m in read if m.doc_id == doc
                         and (m.key == group.key or _contains(group.key, m.key))), None)
            if same:
                group.also.append(same)


def _fraction(member: Typed) -> bool:
    """Whether a plain number has a fractional part ("6.4", a magnitude): a count of
    people or things is whole, unless it is in thousands or millions ("2.5 million")."""
    number = number_value(member.value) if member.label == "CARDINAL" else None
    return number is not None and not number.is_integer()


def _standing(group: _Group, period: Period | None) -> tuple[bool, int]:
    """What puts one side above another: being said in the period the question names, then
    the number of independent sources (a wire story printed three times is one). The side
    below a rival is the disputed one."""
    return _said_in(group, period), len(group.stories)


def _apart_in_time(a: _Group, b: _Group, period: Period | None) -> bool:
    """Whether one side was said in the period the question names and the other was not.
    Not for a single day ("on 4 November"): that names when something happened, which
    the next day's papers report too; "as of November 4", "in 2023" name a state of things."""
    return period is not None and period.start != period.end and _said_in(a, period) != _said_in(b, period)


def _said_in(group: _Group, period: Period | None) -> bool:
    return period is not None and any(period.holds(parse_date(published(m.span.passage.article)))
                                      for m in group.members)


def _contains(fuller: str, key: str) -> bool:
    """Whether the answer `fuller` says all that `key` says, and more."""
    kind_a, _, a = fuller.partition(":")
    kind_b, _, b = key.partition(":")
    # The same words, typed in one source and plain text in another (a name's key holds
    # its words sorted: "Piet Aldous" is "name:aldous piet" beside "text:piet aldous").
    if a == b or (kind_a == "name" and kind_b == "text" and a == " ".join(sorted(name_words(b)))):
        return kind_b == "text" and kind_a != "text"
    if not b:
        return False
    if kind_a == kind_b == "date":
        return a.startswith(b)
    if kind_a == kind_b == "name":
        return set(b.split()) < set(a.split())
    if {kind_a, kind_b} & {"num", "date", "time", "dur"}:
        return False
    return re.search(rf"(?<!\w){re.escape(b)}(?!\w)", a) is not None


def _merge_contained(groups: list[_Group]) -> list[_Group]:
    """A less specific answer joins the fuller one that contains it, when only one does
    ("Kanai" stays apart when both "Masaaki Kanai" and "Takashi Kanai" are given)."""
    merged = {g.key: g for g in groups}
    for group in sorted(groups, key=lambda g: len(g.key)):
        fuller = [g for g in merged.values() if _contains(g.key, group.key)]
        if len(fuller) == 1 and group.key in merged:
            del merged[group.key]
            fuller[0].members.extend(m for m in group.members if m.doc_id not in fuller[0].docs)
    return list(merged.values())


def _kind(group: _Group) -> str:
    return group.key.partition(":")[0]


def _incompatible(a: _Group, b: _Group, where: bool = False) -> bool:
    """Whether two answers cannot both be right. Only values of one kind compare. A name
    that a source gives beside the other's answer does not contradict it: "Beijing" in a
    story that also says "China", "Asahi Shimbun" in one that says "Kyodo News and Asahi
    Shimbun" reported it; the question had more than one right answer."""
    kind = _kind(a)
    if kind != _kind(b) or kind == "text":
        return False
    if kind == "date":
        return not (a.key.startswith(b.key) or b.key.startswith(a.key))
    if kind == "time":      # times in two zones cannot be compared: "09:12 GMT", "04:12"
        return a.key != b.key and a.key.split()[1:] == b.key.split()[1:]
    if kind == "dur":       # months and years are approximate: "52 weeks" is "a year"
        return not math.isclose(float(a.key[4:]), float(b.key[4:]), rel_tol=0.03)
    if kind == "name":
        words_a, words_b = a.key[5:].split(), b.key[5:].split()
        if _within(words_a, words_b) or _within(words_b, words_a) or (
                _family(a.label, where) != _family(b.label, where)):
            return False
        return not (_mentioned(a, b) or _mentioned(b, a))
    if kind == "num" and _unit(a.key) != _unit(b.key):
        return False        # a price and a share, a count and a sum: not one quantity
    return a.key != b.key


def _unit(key: str) -> str:
    """The unit a number key ends with: "%", "$" (money) or "" (a count)."""
    return key[-1] if key[-1] in "%$" else ""


def _within(words: list[str], other: list[str]) -> bool:
    """Whether every word of one name is a word of the other or begins one: "Asia-Oceania
    Bureau" is within "Asian and Oceanian Affairs Bureau", "Kanai" within "Masaaki Kanai"."""
    return all(any(o.startswith(w) for o in other) for w in words)


def _family(label: str, where: bool = False) -> str:
    """Labels whose names can answer the same question: spaCy often calls a person an
    organisation, never a place a nationality. Asked "where", an organisation's name is a
    place (spaCy calls a village it does not know an organisation)."""
    if where and label == "ORG":
        return "place"
    if label in AGENT_LABELS:
        return "agent"
    return "place" if label in PLACE_LABELS else label


def _mentioned(group: _Group, other: _Group) -> bool:
    """Whether a source of `group` also names `other`'s answer anywhere in its text."""
    wanted = fold(other.members[0].value)
    return any(f" {wanted} " in _folded_article(m.span.passage.article.text) for m in group.members)


@lru_cache(maxsize=64)
def _folded_article(text: str) -> str:
    """An article folded once, however many answer pairs are checked against it."""
    return f" {fold(text)} "


def _components(rivals: dict[int, set[int]]) -> list[list[int]]:
    """Groups of positions that contradict one another, directly or through each other."""
    seen: set[int] = set()
    groups = []
    for start in rivals:
        if start in seen or not rivals[start]:
            continue
        stack, group = [start], []
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                group.append(node)
                stack.extend(rivals[node])
        groups.append(sorted(group))
    return groups


def _conflict(side: list[int], groups: list[_Group], positions: tuple[Position, ...]) -> Conflict:
    """The conflict, said as one; where prints of one wire story stand on different sides,
    said to be that story, edited."""
    conflict = _conflict_of(side, groups, positions)
    edited = _edited(side, groups, positions)
    if not edited:
        return conflict
    return replace(conflict, reason=f"{conflict.reason}; {edited}", edited=True)


def _edited(side: list[int], groups: list[_Group], positions: tuple[Position, ...]) -> str:
    """"the same wire story, edited: Valley Tribune prints 'Twelve', Harbour Gazette and
    Reuters print 'Fifteen'", when one story's prints are on more than one side; else ""."""
    sides: dict[str, dict[int, list[str]]] = {}
    for i in side:
        for m in groups[i].members:
            if m.span.passage.copies:
                outlet = Source.of(m.span.passage.article).outlet or m.doc_id
                sides.setdefault(_story(m), {}).setdefault(i, []).append(outlet)
    parts = []
    for by_side in sides.values():
        if len(by_side) > 1:
            parts += [f"{' and '.join(sorted(set(outlets)))} "
                      f"{'print' if len(set(outlets)) > 1 else 'prints'} {positions[i].text!r}"
                      for i, outlets in sorted(by_side.items())]
    return f"the same wire story, edited: {', '.join(parts)}" if parts else ""


def _conflict_of(side: list[int], groups: list[_Group], positions: tuple[Position, ...]) -> Conflict:
    kinds = {_KINDS.get(groups[i].label) or _KINDS.get(_kind(groups[i])) for i in side}
    what = kinds.pop() if len(kinds) == 1 and None not in kinds else "answers"
    # In time only when every source is dated and each side's dates all follow the next's.
    dates = {i: sorted(parse_date(published(m.span.passage.article)) or date.min for m in groups[i].members)
             for i in side}
    newest_first = sorted(side, key=lambda i: dates[i][-1], reverse=True)
    if all(d[0] > date.min for d in dates.values()) and all(
            dates[a][0] > dates[b][-1] for a, b in pairwise(newest_first)):
        timeline = _timeline(newest_first, dates, positions)
        return Conflict(tuple(newest_first), f"the sources name different {what} at different "
                        f"times: {timeline}", in_time=True, timeline=timeline)
    described = "; ".join(f"{positions[i].text!r} ({positions[i].sources_text()})" for i in side)
    return Conflict(tuple(side), f"the sources name different {what}: {described}")


def _timeline(newest_first: list[int], dates: dict[int, list[date]],
              positions: tuple[Position, ...]) -> str:
    """"the newer source, 3 Nov 2025, says 'A'; the older, 21 Oct 2025, says 'B'": who said
    what when, newest first, so a change over time reads as one."""
    parts = []
    for n, (rank, i) in enumerate(zip(time_ranks(len(newest_first)), newest_first, strict=True)):
        plural = positions[i].support > 1
        who = f"the {rank} {'sources' if plural else 'source'}" if n == 0 else f"the {rank}"
        first, latest = dates[i][0], dates[i][-1]
        when = _day(latest) if first == latest else f"{_day(first)} to {_day(latest)}"
        parts.append(f"{who}, {when}, {'say' if plural else 'says'} {positions[i].text!r}")
    return "; ".join(parts)


def _day(day: date) -> str:
    return readable_date(day.isoformat())


def _qualifier(passage: Passage, subject: str) -> str:
    """How a source pins down the subject's name: "Broken Bow, Nebraska" -> "nebraska",
    "Bobby Carpenter (American football)" -> "american football"; "" if it does not.
    Only a place after a comma counts: "the mayor of Brevonne, Claire Dumont," names a mayor."""
    text = passage.article.text
    places = {e.start: e.end for e in passage.entities if e.label in ("GPE", "LOC")}
    pattern = re.escape(subject) + r"(?:, | \(([^)]{2,40})\))"
    for match in re.finditer(pattern, text[:passage.chunk.end]):
        if match.group(1):
            return fold(match.group(1))
        if match.end() in places:
            return fold(text[match.end():places[match.end()]])
    return ""


def _different_subjects(a: _Group, b: _Group, named: Sequence[str]) -> bool:
    """Answers about two things of the same name (two towns called Broken Bow) are not a
    contradiction: each source qualifies the name, and no qualifier is shared."""
    for subject in named:
        qualifiers_a = {_qualifier(m.span.passage, subject) for m in a.members}
        qualifiers_b = {_qualifier(m.span.passage, subject) for m in b.members}
        if "" not in qualifiers_a | qualifiers_b and not qualifiers_a & qualifiers_b:
            return True
    return False


def _position(group: _Group, disputed: bool, weak: bool) -> Position:
    members = sorted(group.members, key=lambda m: -m.span.confidence)
    if group.label in NAME_LABELS:
        text = max((m.value for m in members), key=lambda t: (len(name_words(t)), len(t)))
    else:
        text = members[0].span.text
    return Position(text=text, score=group.score, support=len(group.docs), disputed=disputed,
                    citations=tuple(_citation(m.span) for m in members), label=group.label, weak=weak,
                    independent_sources=len(group.stories))


def _citation(span: Span) -> Citation:
    """The quote and the sentence it stands in, so a reader sees the answer in context, and
    the source as a reader names it (qa.result.Source)."""
    passage = span.passage
    sentence = next((s for s in passage.sentences if s.start <= span.start < s.end), None)
    first = sentence.start if sentence else span.start
    last = max(sentence.end, span.end) if sentence else span.end
    source = Source.of(passage.article)
    return Citation(doc_id=span.doc_id, title=source.title, start=span.start, end=span.end,
                    quote=span.text, sentence_start=min(first, span.start), sentence_end=last,
                    date=passage.article.date, url=source.url, outlet=source.outlet,
                    published=source.published, page=_page(passage.article, span.start),
                    copy_of=passage.copy_of)


def _page(article: object, offset: int) -> int | None:
    """The page (from 1) that holds `offset`, for articles read from a paged file: their
    `pages` holds each page's first offset into the text, in order. None otherwise."""
    starts = getattr(article, "pages", None) or ()
    page = bisect_right(starts, offset)
    return page or None
