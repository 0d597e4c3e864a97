"""The extractive answerer: sentences scored, spans extracted, positions weighed.

No neural reader can be had offline, so this is built the way strong pre-neural
QA systems were: retrieve passages, score each sentence against the question
(embedding similarity plus IDF-weighted word overlap), then take the entity of
the wanted type nearest to the question's words (factoid questions) or the
sentence itself (questions that want a description).

Every source votes with its best span. Spans that mean the same merge into one
position; positions held by different sources that cannot both be true are a
conflict, and the side fewer sources take is marked disputed, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index import Entity, Index, Passage, Sentence, open_default
from index.lexical import term_spans, terms
from index.nlp import pipeline
from qa.question import Question, analyse_question
from qa.result import Answer, Citation, Conflict, Position
from qa.retrieve import retrieve
from qa.values import NAME_LABELS, fold, name_words, value_key

MAX_QUESTION_CHARS = 1000
NO_ANSWER_BELOW = 0.25      # a position must score at least this (scores are 0..1)
KEEP_RELATIVE = 0.6         # ... and at least this share of the best position's score
DESCRIPTION_POSITIONS = 3
_PHRASE_POS = {"ADJ", "PROPN", "NOUN", "NUM"}

_opened: dict[str, Index] = {}


@dataclass(frozen=True)
class _Span:
    """A candidate answer span in one article, with the evidence for it."""

    passage: Passage
    sentence: Sentence
    start: int
    end: int
    label: str
    score: float

    @property
    def doc_id(self) -> str:
        return self.passage.chunk.doc_id

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start:self.end]


@dataclass(frozen=True)
class _Scored:
    """A retrieved sentence, how relevant it is (0..1), and where it repeats the question."""

    passage: Passage
    sentence: Sentence
    relevance: float
    hits: tuple[tuple[int, int], ...]


@dataclass
class _Group:
    key: str
    spans: list[_Span] = field(default_factory=list)

    @property
    def docs(self) -> set[str]:
        return {s.doc_id for s in self.spans}

    @property
    def score(self) -> float:
        return max(s.score for s in self.spans)


def _open(index: Index | str | Path | None) -> Index:
    if isinstance(index, Index):
        return index
    key = str(index or "")
    if key not in _opened:
        _opened[key] = open_default(index)
    return _opened[key]


def _refusal(question: str) -> str:
    """Why a question cannot be asked at all, or "" when it can."""
    if not question.strip():
        return "Please ask a question: the question is empty."
    if len(question) > MAX_QUESTION_CHARS:
        return (f"The question is {len(question):,} characters long; "
                f"please keep it under {MAX_QUESTION_CHARS:,}.")
    if not terms(question):
        return "The question has no words to search for."
    return ""


def ask(question: str, index: Index | str | Path | None = None, k: int = 12) -> Answer:
    """Answer from the articles in `index` (default: the seeds), citing every source.

    `k` is how many articles are read for the answer.
    """
    question = question.strip() if isinstance(question, str) else ""
    refusal = _refusal(question)
    if refusal:
        return Answer(question, (), message=refusal)
    idx = _open(index)
    with idx.snapshot():
        if idx.is_empty():
            return Answer(question, (), message="The index is empty: add articles first.")
        q = analyse_question(question)
        vector = idx.embedder.encode([question])[0]
        retrieved = retrieve(idx, question, vector, sources=k)
        weights = idx.idf(q.terms)
    sentences = _score_sentences(q, vector, [r.passage for r in retrieved], weights)
    if q.wants_description:
        spans = _description_spans(sentences)
    elif q.wants_phrase:
        spans = _phrase_spans(q, sentences)
    else:
        spans = _entity_spans(q, sentences)
    groups = _group(spans, q)
    positions, conflicts = _positions(groups, q)
    message = "" if positions else "No answer in these articles."
    return Answer(question, positions, conflicts, message)


def _score_sentences(q: Question, vector: np.ndarray, passages: list[Passage],
                     weights: dict[str, float]) -> list[_Scored]:
    """Each distinct retrieved sentence with its relevance: IDF-weighted overlap with the
    question's words plus embedding similarity, damped when the source never names
    what the question is about."""
    total = sum(weights.values()) or 1.0
    folded_question = fold(q.text)
    subjects = [[w for w in name_words(name) if len(w) > 2] or list(name_words(name))
                for name in q.subjects]
    seen: set[tuple[str, int]] = set()
    about: dict[str, bool] = {}
    scored = []
    for passage in passages:
        doc = passage.chunk.doc_id
        if doc not in about:
            folded = fold(passage.article.text) if subjects else ""
            about[doc] = all(any(word in folded for word in name) for name in subjects)
        for sentence, sentence_vector in zip(passage.sentences, passage.sentence_vectors,
                                             strict=True):
            where = (passage.chunk.doc_id, sentence.start)
            text = passage.article.text[sentence.start:sentence.end]
            if where in seen or fold(text) == folded_question:
                continue
            seen.add(where)
            spans = term_spans(text)
            hits = tuple((sentence.start + a, sentence.start + b)
                         for stem, a, b in spans if stem in weights)
            present = {stem for stem, _, _ in spans}
            overlap = sum(w for t, w in weights.items() if t in present) / total
            cosine = max(0.0, float(np.dot(vector, sentence_vector)))
            relevance = (0.55 * overlap + 0.45 * cosine) * (1.0 if about[doc] else 0.4)
            scored.append(_Scored(passage, sentence, relevance, hits))
    return scored


def _stem(word: str) -> str:
    stems = terms(word)
    return stems[0] if stems else ""


def _is_named_in_question(text: str, label: str, q: Question) -> bool:
    folded = fold(q.text).split()
    if label in NAME_LABELS:
        return bool(name_words(text) & set(folded))
    return fold(text) in " ".join(folded)


def _nearness(hits: tuple[tuple[int, int], ...], start: int, end: int) -> float:
    """1 beside a word of the question, falling towards 0 far from every one."""
    gaps = [max(a - end, start - b, 0) for a, b in hits]
    return 1.0 / (1.0 + min(gaps) / 40.0) if gaps else 0.3


def _entity_spans(q: Question, sentences: list[_Scored]) -> list[_Span]:
    """Entities of the wanted type, scored by their sentence and nearness to the question's words."""
    spans = []
    for scored in sentences:
        passage, sentence = scored.passage, scored.sentence
        for entity in passage.entities:
            if entity.label not in q.wanted or not (
                    sentence.start <= entity.start and entity.end <= sentence.end):
                continue
            for start, end in _pieces(passage.article.text, *_trim(passage, entity), entity.label):
                if _is_named_in_question(passage.article.text[start:end], entity.label, q):
                    continue
                score = scored.relevance * (0.55 + 0.45 * _nearness(scored.hits, start, end))
                spans.append(_Span(passage, sentence, start, end, entity.label, score))
    return spans


_RANGE = re.compile(r"\s*(?:[–—-]|\bto\b|\buntil\b)\s*")
_FULL_DATE = re.compile(r"[A-Za-z]{3,}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,}\.? \d{4}")


def _pieces(text: str, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """A range of two full dates ("July 15, 1905 – March 2, 1977") is two answers: born
    and died. A range of years ("1861–1862") is one answer."""
    if label == "DATE":
        cut = _RANGE.search(text, start, end)
        if cut and _FULL_DATE.search(text, start, cut.start()) and _FULL_DATE.search(
                text, cut.end(), end):
            return [(start, cut.start()), (cut.end(), end)]
    return [(start, end)]


def _phrase_spans(q: Question, sentences: list[_Scored], read: int = 8) -> list[_Span]:
    """Runs of nouns, adjectives and numbers in the best sentences, for questions whose
    answer is a phrase with no entity type ("what sport", "what genre")."""
    best = sorted(sentences, key=lambda s: -s.relevance)[:read]
    texts = [s.passage.article.text[s.sentence.start:s.sentence.end] for s in best]
    spans = []
    for scored, doc in zip(best, pipeline().pipe(texts, disable=["ner"]), strict=True):
        offset = scored.sentence.start
        run: list = []
        for token in [*doc, None]:
            if token is not None and token.pos_ in _PHRASE_POS and not token.is_stop and (
                    _stem(token.text) not in q.terms) and any(c.isalnum() for c in token.text):
                run.append(token)
                continue
            if run:
                start, end = offset + run[0].idx, offset + run[-1].idx + len(run[-1].text)
                score = scored.relevance * (0.55 + 0.45 * _nearness(scored.hits, start, end))
                spans.append(_Span(scored.passage, scored.sentence, start, end, "PHRASE", score))
                run = []
    return spans


def _trim(passage: Passage, entity: Entity) -> tuple[int, int]:
    """Entity spans without a possessive "'s" or a leading "the"."""
    start, end = entity.start, entity.end
    text = passage.article.text
    if text[start:end].lower().startswith("the "):
        start += 4
    if text[max(start, end - 2):end] in ("'s", "’s"):
        end -= 2
    return start, end


def _description_spans(sentences: list[_Scored]) -> list[_Span]:
    return [_Span(s.passage, s.sentence, s.sentence.start, s.sentence.end, "SENTENCE", s.relevance)
            for s in sentences]


def _group(spans: list[_Span], q: Question) -> list[_Group]:
    """Each source's best span per meaning, merged across sources by canonical value."""
    groups: dict[str, _Group] = {}
    for span in sorted(spans, key=lambda s: -s.score):
        key = _key(span)
        group = groups.setdefault(key, _Group(key))
        if span.doc_id not in group.docs:
            group.spans.append(span)
    return _merge_partial_names(list(groups.values()))


def _key(span: _Span) -> str:
    if span.label == "SENTENCE":
        return "sentence:" + fold(span.text)
    if span.label == "PHRASE":
        return "phrase:" + fold(span.text)
    return value_key(span.text, span.label, span.passage.article.date)


def _merge_partial_names(groups: list[_Group]) -> list[_Group]:
    """"Takaichi" joins "Sanae Takaichi" when that is the only fuller name it fits."""
    names = {g.key: frozenset(g.key[5:].split()) for g in groups if g.key.startswith("name:")}
    merged: dict[str, _Group] = {g.key: g for g in groups}
    for key, words in sorted(names.items(), key=lambda kv: len(kv[1])):
        fuller = [k for k, w in names.items() if k != key and words < w and k in merged]
        if len(fuller) == 1 and key in merged:
            target = merged[fuller[0]]
            for span in merged.pop(key).spans:
                if span.doc_id not in target.docs:
                    target.spans.append(span)
                else:
                    target.spans = [max((s, span), key=lambda x: x.score) if s.doc_id == span.doc_id
                                     else s for s in target.spans]
    return list(merged.values())


def _positions(groups: list[_Group], q: Question) -> tuple[tuple[Position, ...], tuple[Conflict, ...]]:
    """Positions each source stands behind, the conflicts among them, best first."""
    if not groups:
        return (), ()
    best = max(g.score for g in groups)
    if best < NO_ANSWER_BELOW:
        return (), ()
    floor = max(NO_ANSWER_BELOW, KEEP_RELATIVE * best)
    # Each source votes for its own best answer; other mentions in it are context.
    votes: dict[str, _Group] = {}
    for group in sorted(groups, key=lambda g: -g.score):
        for span in group.spans:
            if span.score >= floor and span.doc_id not in votes:
                votes[span.doc_id] = group
    chosen = list({id(g): g for g in votes.values()}.values())
    if q.wants_description:
        chosen = sorted(chosen, key=lambda g: -g.score)[:DESCRIPTION_POSITIONS]
    chosen.sort(key=lambda g: (-len(g.docs), -g.score))
    rivals: dict[int, set[int]] = {i: set() for i in range(len(chosen))}
    if not q.wants_description:
        for i, a in enumerate(chosen):
            for j, b in enumerate(chosen[:i]):
                if _incompatible(a.key, b.key) and not _different_subjects(a, b, q):
                    rivals[i].add(j)
                    rivals[j].add(i)
    positions = tuple(
        _position(g, disputed=any(len(chosen[j].docs) > len(g.docs) for j in rivals[i]))
        for i, g in enumerate(chosen))
    return positions, tuple(_conflict(side, positions) for side in _components(rivals))


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


def _conflict(side: list[int], positions: tuple[Position, ...]) -> Conflict:
    described = "; ".join(f"{positions[i].text!r} ({positions[i].support} source"
                          f"{'s' if positions[i].support != 1 else ''})" for i in side)
    return Conflict(tuple(side), f"sources give different answers: {described}")


def _incompatible(a: str, b: str) -> bool:
    """Whether two answers cannot both be right. A date that could not be pinned to the
    calendar ("Tuesday" in an undated story) contradicts nothing; "2025" and "2025-11-18"
    are the same answer at two precisions."""
    kind_a, _, value_a = a.partition(":")
    kind_b, _, value_b = b.partition(":")
    if kind_a != kind_b or kind_a in ("text", "sentence"):
        return False
    if kind_a == "date":
        return not (value_a.startswith(value_b) or value_b.startswith(value_a))
    return value_a != value_b


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


def _different_subjects(a: _Group, b: _Group, q: Question) -> bool:
    """Answers about two things of the same name (two towns called Broken Bow) are not a
    contradiction: each source qualifies the name, and no qualifier is shared."""
    for subject in q.subjects:
        qualifiers_a = {_qualifier(s.passage, subject) for s in a.spans}
        qualifiers_b = {_qualifier(s.passage, subject) for s in b.spans}
        if "" not in qualifiers_a | qualifiers_b and not qualifiers_a & qualifiers_b:
            return True
    return False


def _position(group: _Group, disputed: bool) -> Position:
    spans = sorted(group.spans, key=lambda s: -s.score)
    label = spans[0].label
    if label in NAME_LABELS:
        text = max((s.text for s in spans), key=lambda t: (len(name_words(t)), len(t)))
    else:
        text = spans[0].text
    citations = tuple(_citation(s) for s in spans)
    return Position(text=text, score=group.score, support=len(group.docs), disputed=disputed,
                    citations=citations)


def _citation(span: _Span) -> Citation:
    article = span.passage.article
    return Citation(doc_id=span.doc_id, title=article.title, start=span.start, end=span.end,
                    quote=article.text[span.start:span.end], sentence_start=span.sentence.start,
                    sentence_end=span.sentence.end, date=article.date)

