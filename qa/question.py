"""What a question asks for: the kind of answer, and the words it must be about.

Answer typing is the heart of pre-neural factoid QA (Moldovan et al., Harabagiu
et al. in the TREC QA track): "who" wants a person or organisation, "when" a
date, "how many" a number, "which official" whatever an official is. When no
entity type fits, the question wants a description and the answer is a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.lexical import terms
from index.nlp import pipeline

PERSON = ("PERSON",)
ORG = ("ORG",)
PLACE = ("GPE", "LOC", "FAC")
WHEN = ("DATE", "TIME")
COUNT = ("CARDINAL", "QUANTITY")
AMOUNT = ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")

# Head nouns of "which/what <noun>" questions and the entity types that answer them.
_NOUN_TYPES: dict[str, tuple[str, ...]] = {}
for _nouns, _types in (
    ("person man woman official minister president director leader player author writer "
     "actor actress singer artist founder ceo chairman spokesman spokesperson king queen "
     "emperor chancellor premier governor mayor ambassador diplomat secretary general "
     "coach captain manager head chief politician counterpart composer producer journalist "
     "reporter scientist inventor husband wife son daughter father mother pope prince "
     "princess senator lawmaker judge envoy commander", PERSON + ORG),
    ("company organization organisation party agency team club newspaper network "
     "university ministry band group firm bank broadcaster outlet publisher airline "
     "department government institution school college label", (*ORG, "NORP")),
    ("city country nation state province place town capital region island continent "
     "village county district area location port", PLACE),
    ("year date day month decade century time era season", WHEN),
    ("age", (*WHEN, "QUANTITY", "CARDINAL")),
    ("population number amount total count", COUNT),
    ("percentage percent proportion share rate", ("PERCENT",)),
    ("price cost fee salary budget worth value", ("MONEY",)),
    ("language tongue", ("LANGUAGE", "NORP")),
    ("nationality religion ethnicity", ("NORP",)),
    ("event war battle", ("EVENT",)),
    ("law act treaty", ("LAW",)),
):
    for _noun in _nouns.split():
        _NOUN_TYPES[_noun] = _types

# Entities a question can be about: every source that answers must mention them.
_SUBJECT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT"}


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    wanted: tuple[str, ...]          # entity labels that can answer it; empty: a description
    named: tuple[str, ...]           # entities the question names: they are not its answer
    subjects: tuple[str, ...] = ()   # the names among them: a source must mention each
    focus: str = ""                  # the head noun of "which official", "what year", ...

    @property
    def wants_phrase(self) -> bool:
        """"What sport ...", "what genre ...": a short phrase, though no entity type fits."""
        return not self.wanted and self.focus not in ("", "many", "much", "long", "old")

    @property
    def wants_description(self) -> bool:
        return not self.wanted and not self.wants_phrase


def _head_noun(tokens: list, after: int) -> str:
    """The head of the first noun phrase after the wh-word: the last noun of a compound
    ("what is the birth date" -> "date"), skipping adjectives and determiners."""
    head = ""
    for token in tokens[after + 1: after + 7]:
        if token.pos_ in ("NOUN", "PROPN"):
            head = token.text.lower()
            continue
        if head or (token.pos_ not in ("ADJ", "DET", "ADV", "NUM", "PUNCT") and token.lower_ not in (
                "is", "was", "are", "were", "of", "the")):
            break
    return head


def _answer_types(doc) -> tuple[tuple[str, ...], str]:
    tokens = list(doc)
    lowered = [t.lower_ for t in tokens]
    for i, word in enumerate(lowered):
        nxt = lowered[i + 1] if i + 1 < len(lowered) else ""
        if word in ("who", "whom", "whose"):
            return PERSON + ORG, ""
        if word == "when":
            return WHEN, ""
        if word == "where":
            return PLACE, ""
        if word == "how":
            if nxt == "many":
                return (*COUNT, "MONEY"), "many"
            if nxt == "much":
                return AMOUNT, "much"
            if nxt in ("long", "old"):
                return (*WHEN, "QUANTITY", "CARDINAL"), nxt
            return (), ""
        if word == "why":
            return (), ""
        if word in ("which", "what"):
            noun = _head_noun(tokens, i)
            if noun == "" and nxt in ("is", "was", "are", "were"):
                # "What is the population of X?": the noun after the article decides.
                noun = _head_noun(tokens, i + 1)
            if noun in _NOUN_TYPES:
                return _NOUN_TYPES[noun], noun
            return (), noun
    return (), ""


def analyse_question(text: str) -> Question:
    doc = pipeline()(text)
    wanted, focus = _answer_types(doc)
    named = tuple(ent.text for ent in doc.ents)
    subjects = tuple(e.text for e in doc.ents if e.label_ in _SUBJECT_LABELS)
    return Question(text=text, terms=tuple(terms(text)), wanted=wanted, named=named,
                    subjects=subjects, focus=focus)
