"""Follow-up questions, read in the light of the conversation before them.

"When did she take office?" after "Who is the Prime Minister of Japan?" asks about the
person that answer named; "And in China?" asks the previous question again, of China.
A retriever sees one question at a time, so a follow-up is rewritten into a question that
stands on its own before it is answered, and the page shows that reading ("Understood
as: ...") so a wrong one is seen at once.

The rules are few and explicit, on spaCy's entity labels (the pipeline the index already
loads): a third-person pronoun takes the most recent thing of its kind (a person for
she/he, a group or country for they, a thing for it), and an elliptical "and ...?" /
"what about ...?" replaces the entity of the same kind in the previous question. When the
previous answer was disputed, a pronoun takes the question's own description ("the Prime
Minister of Japan"), never one side of the dispute. A question that stands on its own,
or one no rule fits, is left exactly as asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.ingest.nlp import pipeline
from qa.result import Answer

LOOKBACK = 3     # turns searched for an antecedent, newest first

_PERSON = {"he", "she", "him", "her", "his", "hers"}
_GROUP = {"they", "them", "their", "theirs"}
_THING = {"it", "its"}
_POSSESSIVE = {"his", "hers", "its", "their", "theirs"}

_PERSON_LABELS = {"PERSON"}
_GROUP_LABELS = {"ORG", "NORP", "GPE"}
_THING_LABELS = {"ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
# Kinds an elliptical follow-up swaps like for like ("And in China?" replaces Japan).
_FAMILY = {"GPE": "place", "LOC": "place", "FAC": "place", "ORG": "group", "NORP": "group",
           "DATE": "time", "TIME": "time", "PERSON": "person"}

_NAME_FAMILIES = {"place", "group", "person"}
# Words after "her" that show it is an object, not a possessive ("told her about").
_NOT_A_NOUN = {"about", "after", "against", "and", "as", "at", "before", "but", "by", "during",
               "for", "from", "in", "into", "of", "on", "or", "over", "since", "than", "that",
               "to", "under", "until", "when", "where", "whether", "while", "with", "why", "how",
               "what", "who", "if", "so", "again", "today", "yesterday", "now", "then", "there",
               "here", "back", "up", "down", "off", "out", "away"}
# "it" that points at nothing: "is it true that", "how long did it take".
_EXPLETIVE_AFTER_IT = {"true", "possible", "likely", "clear", "known", "that", "take", "to",
                       "mean", "matter", "seem", "seems", "appear", "appears"}

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_WH = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
_WH_ALONE = re.compile(r"^\s*(?:(?:and|but|so)\s*,?\s+)?(?P<wh>when|where|why|how|who)\s*[?.!]*\s*$",
                       re.IGNORECASE)
_ELLIPSIS = re.compile(
    r"^\s*(?:(?:and|but|so|also)\s*,?\s+(?:(?:what|how)\s+about\s+)?|(?:what|how)\s+about\s+)"
    r"(?:(?P<prep>in|for|of|to|at|on|from|about|with|by|during|before|after|since)\s+)?"
    r"(?P<rest>[^?]+?)\s*[?.!]*\s*$", re.IGNORECASE)
# "the talks", "the strike": what a question is about when it names no entity.
_THE_NOUN = re.compile(r"\bthe\s+([a-z]+)\b")
_DESCRIPTION = re.compile(
    r"^\s*(?:who|what)\s+(?:is|was|are|were|has\s+been|will\s+be)\s+(?P<desc>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE)


def resolve(question: str, history: Sequence[Answer]) -> str:
    """`question` rewritten to stand on its own, given the answers before it (oldest
    first); the question itself when it already does or no rule applies."""
    turns = [a for a in history if a.understood.strip()][-LOOKBACK:][::-1]
    if not turns:
        return question
    return (_another_wh(question, turns[0]) or _elliptical(question, turns[0])
            or _replace_pronouns(question, turns))


def _another_wh(question: str, previous: Answer) -> str:
    """"And when?" after "Where will the summit be held?" -> "When will the summit be held?"."""
    match = _WH_ALONE.match(question)
    asked = previous.understood.strip()
    first = _WH.match(asked)
    if not match or not first:
        return ""
    return match.group("wh").capitalize() + asked[first.end():]


def _elliptical(question: str, previous: Answer) -> str:
    """"And in China?" after "Who is the Prime Minister of Japan?" -> "... of China?"."""
    match = _ELLIPSIS.match(question)
    if not match or _WH.search(match.group("rest")) or len(match.group("rest").split()) > 6:
        return ""
    rest, prep = match.group("rest").strip(), match.group("prep")
    said = {_FAMILY.get(e.label_) for e in pipeline()(question).ents if e.text in rest}
    asked = previous.understood.strip()
    olds = [e for e in reversed(pipeline()(asked).ents) if e.label_ in _FAMILY]
    for old in olds:    # like for like: a place for a place, a year for a year
        candidate = asked[:old.start_char] + rest + asked[old.end_char:]
        family = _FAMILY[old.label_]
        if family in said or family in _families_at(candidate, old.start_char, len(rest)):
            return candidate
    # The small model often mistakes a company for a place or a town for a person: a
    # proper name still stands in for the last proper name.
    names = [e for e in olds if _FAMILY[e.label_] in _NAME_FAMILIES]
    if names and rest[:1].isupper() and not said - _NAME_FAMILIES:
        return asked[:names[0].start_char] + rest + asked[names[0].end_char:]
    if prep:
        return f"{asked.rstrip(' ?.!')} {prep.lower()} {rest}?"
    return ""


def _families_at(text: str, start: int, length: int) -> set[str]:
    """The kinds of entity spaCy sees over text[start:start + length]: a name it cannot
    place alone ("Dunolly?") it often can in the sentence it stands in."""
    return {_FAMILY.get(e.label_, "") for e in pipeline()(text).ents
            if e.start_char < start + length and e.end_char > start}


def _replace_pronouns(question: str, turns: list[Answer]) -> str:
    words = list(_WORD.finditer(question))
    pieces, last = [], 0
    for n, word in enumerate(words):
        lower = word.group().lower()
        following = words[n + 1].group().lower() if n + 1 < len(words) else ""
        if lower in _THING and following in _EXPLETIVE_AFTER_IT:
            continue
        kind = ("person" if lower in _PERSON else "group" if lower in _GROUP
                else "thing" if lower in _THING else "")
        antecedent = _antecedent(kind, turns) if kind else ""
        if not antecedent:
            continue
        if lower == "her":   # "her policy" (possessive) or "told her" (object)
            possessive = bool(following) and following not in _NOT_A_NOUN and (
                question[word.end():words[n + 1].start()].strip() == "")
        else:
            possessive = lower in _POSSESSIVE
        text = antecedent + (("'" if antecedent.endswith("s") else "'s") if possessive else "")
        if word.start() == 0:
            text = text[0].upper() + text[1:]
        pieces.append(question[last:word.start()] + text)
        last = word.end()
    return "".join(pieces) + question[last:] if pieces else question


def _antecedent(kind: str, turns: list[Answer]) -> str:
    """The most recent thing of `kind` the conversation named: the previous answer (or,
    when that answer was disputed, what the question described), then the names the
    previous question gave; then the turn before."""
    labels = {"person": _PERSON_LABELS, "group": _GROUP_LABELS, "thing": _THING_LABELS}[kind]
    for turn in turns:
        top = turn.answers[0] if turn.answers else None
        # The answer to "where" or "when" is a setting, not who or what a pronoun means.
        setting = re.match(r"\s*(where|when)\b", turn.understood, re.IGNORECASE)
        if top is not None and top.label in labels and not setting:
            if not turn.conflict:
                return top.text
            description = _DESCRIPTION.match(turn.understood)
            if description:
                return description.group("desc")
        named = [e.text for e in pipeline()(turn.understood).ents if e.label_ in labels]
        if named:
            return named[-1]
        if kind in ("thing", "group"):
            plural = kind == "group"
            nouns = [n for n in _THE_NOUN.findall(turn.understood) if n.endswith("s") == plural]
            if nouns:
                return f"the {nouns[0]}"
    return ""
