"""What `ask()` returns: positions with their citations, and where sources disagree.

Shaped like Haystack's ExtractedAnswer: every quote carries an explicit span
into the stored article text, so `article.text[start:end] == quote` can be
checked by anyone, always.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TypedDict

from index.display import counted
from qa.when import published, readable_date


# The shapes of to_dict(): what programs get from `--json` and the page's /ask, spelt out
# so that the page's API page (view_api) shows a schema rather than "Any".
class CitationDict(TypedDict):
    doc_id: str
    title: str
    start: int
    end: int
    quote: str
    sentence_start: int
    sentence_end: int
    date: str
    url: str
    outlet: str
    published: str
    page: int | None
    copy_of: str | None


class PositionDict(TypedDict):
    text: str
    score: float
    support: int
    disputed: bool
    citations: list[CitationDict]
    label: str
    weak: bool
    independent_sources: int


class ConflictDict(TypedDict):
    answers: list[int]
    reason: str
    in_time: bool
    timeline: str
    edited: bool


class AnswerDict(TypedDict):
    question: str
    understood: str
    answers: list[PositionDict]
    conflict: bool
    conflicts: list[ConflictDict]
    no_answer: bool
    message: str


@dataclass(frozen=True)
class Source:
    """An article as a reader names it: outlet, publication date (ISO when known), title, link.

    The one place that reads these from an Article: with getattr, so that an Article that
    does not keep `outlet` or `published` apart yet (its JSON `source` names the outlet,
    its `date` the day) gives the same answers."""

    doc_id: str
    title: str = ""
    outlet: str = ""
    published: str = ""
    url: str = ""

    @classmethod
    def of(cls, article: object) -> Source:
        return cls(doc_id=str(getattr(article, "doc_id", "")), title=getattr(article, "title", ""),
                   outlet=getattr(article, "outlet", "") or getattr(article, "source", "") or "",
                   published=published(article), url=getattr(article, "url", "") or "")

    def byline(self) -> list[str]:
        """Outlet and date ("Kyodo News", "18 Nov 2025"), those that are known."""
        return [part for part in (self.outlet, readable_date(self.published)) if part]

    def header(self, page: int | None = None) -> str:
        """"Kyodo News · 18 Nov 2025 · China, Japan officials hold talks · p. 3", without
        the parts that are not known."""
        return " · ".join([*self.byline(), self.title or self.doc_id, *([f"p. {page}"] if page else [])])


@dataclass(frozen=True)
class Citation:
    """Where a position is said: a quote, its span, and the sentence around it; and the
    source as a reader names it: outlet, publication date (ISO when known), link, page.
    `copy_of`: when the article prints a story another article tells (a wire story run
    by several outlets), the id of that likely original; None otherwise."""

    doc_id: str
    title: str
    start: int
    end: int
    quote: str
    sentence_start: int
    sentence_end: int
    date: str = ""
    url: str = ""
    outlet: str = ""
    published: str = ""
    page: int | None = None
    copy_of: str | None = None

    @property
    def story(self) -> str:
        """What the article is a print of: its original's id, or its own."""
        return self.copy_of or self.doc_id

    def to_dict(self) -> CitationDict:
        return CitationDict(**asdict(self))

    @classmethod
    def from_dict(cls, data: CitationDict) -> Citation:
        """The inverse of to_dict; ValueError (or KeyError, TypeError) for anything else."""
        page = data.get("page")
        return cls(str(data["doc_id"]), str(data["title"]), int(data["start"]), int(data["end"]),
                   str(data["quote"]), int(data["sentence_start"]), int(data["sentence_end"]),
                   str(data.get("date", "")), str(data.get("url", "")), str(data.get("outlet", "")),
                   str(data.get("published", "")), None if page is None else int(page))

    @property
    def source(self) -> Source:
        return Source(self.doc_id, self.title, self.outlet, self.published or self.date, self.url)

    def header(self) -> str:
        return self.source.header(self.page)


@dataclass(frozen=True)
class Position:
    """One answer value with every source that gives it.

    `support` counts distinct documents; `independent_sources` counts them with the
    prints of one story (copies of a wire story, `Citation.copy_of`) counted once;
    `disputed` marks the side of a conflict that fewer independent sources take. Both
    sides are always kept. `label` is what the value names, as spaCy labels entities
    (PERSON, GPE, DATE, ...; TEXT for none). `weak` marks a weaker reading: a value that
    contradicts an answer, read too weakly to be an answer or to claim a disagreement,
    listed so that no side vanishes unseen.
    """

    text: str
    score: float
    support: int
    disputed: bool
    citations: tuple[Citation, ...]
    label: str = "TEXT"
    weak: bool = False
    independent_sources: int = 0  # 0: as many as `support`

    def __post_init__(self) -> None:
        if not self.independent_sources:
            object.__setattr__(self, "independent_sources", self.support)

    def to_dict(self) -> PositionDict:
        return PositionDict(text=self.text, score=round(self.score, 4), support=self.support,
                            disputed=self.disputed, citations=[c.to_dict() for c in self.citations],
                            label=self.label, weak=self.weak,
                            independent_sources=self.independent_sources)

    def prints(self) -> list[int]:
        """How many of the citing articles print each story printed more than once, most
        first: [3] when three outlets ran one wire story."""
        stories: dict[str, set[str]] = {}
        for c in self.citations:
            stories.setdefault(c.story, set()).add(c.doc_id)
        return sorted((len(docs) for docs in stories.values() if len(docs) > 1), reverse=True)

    def sources_text(self) -> str:
        """"3 sources"; with copies of one story among them, "2 independent sources (one
        printed by 3 outlets)"."""
        prints = self.prints()
        if self.independent_sources == self.support or not prints:
            return counted(self.support, "source")
        if self.independent_sources == 1:
            return f"1 independent source (printed by {prints[0]} outlets)"
        return (f"{self.independent_sources} independent sources ("
                + ", ".join(f"one printed by {n} outlets" for n in prints) + ")")

    @classmethod
    def from_dict(cls, data: PositionDict) -> Position:
        return cls(str(data["text"]), float(data["score"]), int(data["support"]),
                   bool(data["disputed"]), tuple(Citation.from_dict(c) for c in data["citations"]),
                   str(data.get("label", "TEXT")), bool(data.get("weak", False)),
                   int(data.get("independent_sources", 0)))


@dataclass(frozen=True)
class Conflict:
    """Positions (indexes into `Answer.answers`) that cannot all be true, and why.

    `in_time` when every side's sources are dated and the sides' dates do not overlap: then
    `answers` runs newest first and `timeline` says who said what when ("the newer source,
    3 Nov 2025, says ...; the older, 21 Oct 2025, says ..."), since the answer may have
    changed between them rather than the sources contradicting each other. `edited` when
    prints of one wire story stand on different sides: an outlet changed the fact, and
    the reason says so ("the same wire story, edited: ...")."""

    answers: tuple[int, ...]
    reason: str
    in_time: bool = False
    timeline: str = ""
    edited: bool = False

    def to_dict(self) -> ConflictDict:
        return ConflictDict(answers=list(self.answers), reason=self.reason, in_time=self.in_time,
                            timeline=self.timeline, edited=self.edited)

    @classmethod
    def from_dict(cls, data: ConflictDict) -> Conflict:
        return cls(tuple(int(i) for i in data["answers"]), str(data["reason"]),
                   bool(data.get("in_time", False)), str(data.get("timeline", "")),
                   bool(data.get("edited", False)))


@dataclass(frozen=True)
class Answer:
    """`question` as asked; `understood` as answered, when a follow-up was read in the
    light of the conversation ("When did she take office?" -> "... Sanae Takaichi ..."),
    else the same text."""

    question: str
    answers: tuple[Position, ...]
    conflicts: tuple[Conflict, ...] = ()
    message: str = ""
    understood: str = ""

    def __post_init__(self) -> None:
        if not self.understood:
            object.__setattr__(self, "understood", self.question)

    @property
    def conflict(self) -> bool:
        return bool(self.conflicts)

    @property
    def no_answer(self) -> bool:
        return not self.answers

    def to_dict(self) -> AnswerDict:
        return AnswerDict(question=self.question, understood=self.understood,
                          answers=[p.to_dict() for p in self.answers], conflict=self.conflict,
                          conflicts=[c.to_dict() for c in self.conflicts],
                          no_answer=self.no_answer, message=self.message)

    @classmethod
    def from_dict(cls, data: AnswerDict) -> Answer:
        """An answer from its to_dict() (kept by a browser, or in a file), so a conversation
        can go on from it; ValueError, KeyError or TypeError when `data` is not one."""
        if not isinstance(data, dict):
            raise TypeError(f"an answer is a JSON object, not {type(data).__name__}")
        return cls(str(data["question"]), tuple(Position.from_dict(p) for p in data["answers"]),
                   tuple(Conflict.from_dict(c) for c in data.get("conflicts", ())),
                   str(data.get("message", "")), str(data.get("understood", "")))

    def to_text(self) -> str:
        """The readable answer the CLI prints: each side with its sources."""
        if self.no_answer:
            return self.message or "No answer in these articles."
        lines = []
        if self.conflict:
            lines.append("Sources disagree:")
            for conflict in self.conflicts:
                lines.append(f"  ({conflict.reason})")
        for n, position in enumerate(self.answers, start=1):
            mark = " [disputed]" if position.disputed else " [weaker reading]" if position.weak else ""
            lines.append(f"{n}. {position.text}{mark} — {position.sources_text()}, "
                         f"score {position.score:.2f}")
            for c in position.citations:
                copy = f" (a copy of {c.copy_of})" if c.copy_of else ""
                lines.append(f"     [{c.doc_id} {c.start}-{c.end}] \"{c.quote}\" — {c.header()}{copy}")
        return "\n".join(lines)

