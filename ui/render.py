"""HTML for the page: answers with numbered citations, the sources list, articles with marks.

Every piece of text that came from an article, a file name or a person's question
goes through `html.escape` before it touches markup; markup is only ever built
around escaped pieces. An article that contains `<script>` shows the word
`<script>`; it never runs.

A source is named as a reader expects, "Kyodo News · 18 Nov 2025 · Title · p. 3", its title
linking to the article's web address when it has one (http and https only: a
`javascript:` address is shown as no link). Nothing on the page names a file on the
server: an article is its title and its id, never its path.

Citation links are plain anchors `href="#cite-<answer>-<n>"`: <answer> is the
answer's number in this chat session and <n> the citation's number inside that
answer. A small script on the page (see `ui.app.CITATION_CLICKS_JS`) turns a
click on any such anchor into a request to open that source.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from index import CopyGroup, Feed, FeedItem
from qa.result import Answer, Citation, Position, Source
from qa.when import readable_date, time_ranks
from ui.pdf_page import PageView

NO_ANSWER = "No answer in these articles."
CONTEXT_CHARS = 140   # of the cited sentence shown on each side of a quote
SHORT_TITLE_WORDS = 8
CITE_HREF = re.compile(r"^#?cite-(\d+)-(\d+)$")


@dataclass(frozen=True)
class Numbered:
    """A citation with the number its marker shows, e.g. [2]."""

    number: int
    citation: Citation


def number_citations(answer: Answer) -> list[Numbered]:
    """One number per distinct (document, span), in reading order, so a quote cited by two
    positions shares a marker instead of appearing twice in the sources list."""
    seen: dict[tuple[str, int, int], int] = {}
    numbered: list[Numbered] = []
    for position in answer.answers:
        for citation in position.citations:
            key = (citation.doc_id, citation.start, citation.end)
            if key not in seen:
                seen[key] = len(seen) + 1
                numbered.append(Numbered(seen[key], citation))
    return numbered


def _numbers_of(position: Position, numbered: Sequence[Numbered]) -> list[Numbered]:
    keys = {(c.doc_id, c.start, c.end) for c in position.citations}
    return [n for n in numbered if (n.citation.doc_id, n.citation.start, n.citation.end) in keys]


def cite_href(answer_no: int, number: int) -> str:
    return f"#cite-{answer_no}-{number}"


def parse_cite_href(value: str) -> tuple[int, int] | None:
    """(answer number, citation number) from an anchor's href, or None if it is not one."""
    match = CITE_HREF.match(str(value or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def find_citation(answer: Answer, number: int) -> Citation | None:
    for item in number_citations(answer):
        if item.number == number:
            return item.citation
    return None


def _marker(answer_no: int, number: int) -> str:
    return (f'<a class="nqa-cite" href="{cite_href(answer_no, number)}" '
            f'title="Open source {number}">[{number}]</a>')


def short_title(title: str, words: int = SHORT_TITLE_WORDS) -> str:
    parts = title.split()
    return " ".join(parts[:words]).rstrip(".,;:…") + "…" if len(parts) > words else title


# An absolute POSIX path inside a message ("... denied: '/srv/news/a.txt'"): not one that
# is part of a URL (after ":" or "/") or of a relative path or word.
_SERVER_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s/'\"<>]+/)*([^\s/'\"<>,;)]+)/?")


def without_paths(text: str) -> str:
    """`text` with each absolute path cut to its last part: messages from the index or from
    Python name files by where the server keeps them, which is nobody's business on the page."""
    return _SERVER_PATH.sub(lambda match: match.group(1), text)


def safe_url(url: str) -> str:
    """`url` when it is an http(s) address with a host, else "": only those become links."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return ""
    return parts.geturl() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def source_html(source: Source, pages: Iterable[int | None] = (), short: bool = False) -> str:
    """"Outlet · 18 Nov 2025 · Title · p. 3", each part escaped, unknown parts left out; the
    title links to the article's address in a new tab when it has a safe one. `pages` are
    those cited ("pp. 3, 5" for two); `short` cuts the title to a few words (beside a quote;
    the sources panel has it whole)."""
    cited = sorted({page for page in pages if page})
    numbers = "p. " if len(cited) == 1 else "pp. "
    title = source.title or source.doc_id
    title_html = escape(short_title(title) if short else title)
    url = safe_url(source.url)
    if url:
        title_html = (f'<a class="nqa-url" href="{escape(url)}" target="_blank" '
                      f'rel="noopener noreferrer">{title_html}</a>')
    return " · ".join([*map(escape, source.byline()), title_html,
                       *([numbers + ", ".join(map(str, cited))] if cited else [])])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def quote_html(citation: Citation, text: str | None) -> str:
    """The quote inside its sentence, the quote in bold: a bare name says little on its own.

    Without the article text (or with offsets that do not fit it) only the quote shows.
    """
    before, after = quote_context(citation, text)
    return f"“{escape(before)}<b>{escape(citation.quote)}</b>{escape(after)}”"


def quote_context(citation: Citation, text: str | None) -> tuple[str, str]:
    """(before, after): the quote's sentence on each side of it, cut at whole words to at
    most CONTEXT_CHARS with "…"; ("", "") without the text or when the offsets do not fit."""
    if not text or text[citation.start:citation.end] != citation.quote:
        return "", ""
    first = max(min(citation.sentence_start, citation.start), citation.start - CONTEXT_CHARS)
    last = min(max(citation.sentence_end, citation.end), citation.end + CONTEXT_CHARS)
    before, after = text[first:citation.start], text[citation.end:last]
    lead = "…" if first > min(citation.sentence_start, citation.start) else ""
    tail = "…" if last < max(citation.sentence_end, citation.end) else ""
    if lead:   # cut at whole words
        before = before.split(" ", 1)[-1]
    if tail:
        after = after.rsplit(" ", 1)[0]
    return lead + before.lstrip(), after.rstrip() + tail


def _quote_unless_value(citation: Citation, position: Position, texts: Mapping[str, str]) -> str:
    """A whole-sentence answer is its own quote: saying it twice helps no one."""
    whole = citation.start <= citation.sentence_start and citation.end >= citation.sentence_end
    if whole and citation.quote.strip() == position.text.strip():
        return ""
    return f'<span class="nqa-quote">{quote_html(citation, texts.get(citation.doc_id))}</span> '


def _folded(numbered: Sequence[Numbered]) -> list[tuple[Numbered, list[Numbered]]]:
    """Each story once, with the other prints of it folded under it: the original (or the
    first print cited) first, in the order they come."""
    stories: dict[str, tuple[Numbered, list[Numbered]]] = {}
    for n in numbered:
        head = stories.get(n.citation.story)
        if head is None:
            stories[n.citation.story] = (n, [])
        elif n.citation.copy_of is None:  # the original itself: it heads its prints
            stories[n.citation.story] = (n, [head[0], *head[1]])
        else:
            head[1].append(n)
    return list(stories.values())


def _prints_html(prints: Sequence[Numbered], answer_no: int) -> str:
    """"also printed by Harbour Gazette [2], Metro Ledger [3]": the copies of a story."""
    if not prints:
        return ""
    named = ", ".join(f"{escape(n.citation.outlet or n.citation.doc_id)} {_marker(answer_no, n.number)}"
                      for n in prints)
    return f'<div class="nqa-prints">also printed by {named}</div>'


def position_html(position: Position, numbered: Sequence[Numbered], answer_no: int,
                  label: str = "", texts: Mapping[str, str] | None = None) -> str:
    """One answer value: the value, how many independent sources give it, its markers and
    quotes; the prints of one wire story folded under its first."""
    texts = texts or {}
    mine = _numbers_of(position, numbered)
    markers = "".join(_marker(answer_no, n.number) for n in mine)
    badge = f'<span class="nqa-badge">{escape(position.sources_text())}</span>'
    side = f'<span class="nqa-side">{escape(label)}</span> ' if label else ""
    quotes = "".join(
        f'<li>{_marker(answer_no, n.number)} '
        f'{_quote_unless_value(n.citation, position, texts)}'
        f'<span class="nqa-from">— {source_html(n.citation.source, [n.citation.page], short=True)}'
        f'</span>{_prints_html(prints, answer_no)}</li>' for n, prints in _folded(mine))
    css = "nqa-position nqa-disputed" if position.disputed else "nqa-position"
    return (f'<div class="{css}">{side}<strong class="nqa-value">{escape(position.text)}'
            f"</strong> {markers} {badge}<ul class=\"nqa-quotes\">{quotes}</ul></div>")


def _side_label(position: Position) -> str:
    if position.disputed:
        return "Disputed (fewer sources):"
    return "Majority:" if position.independent_sources > 1 else "One side:"


def _time_labels(positions: Sequence[Position]) -> list[str]:
    """"Newer, 3 Nov 2025:" and "Older, 21 Oct 2025:" for the sides of a disagreement in time,
    which come newest first: there the date tells them apart, not the count of sources."""
    return [f"{rank.capitalize()}, {readable_date(max(c.published or c.date for c in p.citations))}:"
            for rank, p in zip(time_ranks(len(positions)), positions, strict=True)]


def answer_html(answer: Answer, answer_no: int, texts: Mapping[str, str] | None = None) -> str:
    """The assistant's reply: disagreements first and clearly marked, then other positions.

    Kept on one line: the chat renders Markdown, and a blank line inside an HTML block
    would end the block. `texts` (doc_id to article text) lets quotes show their sentence.
    """
    understood = (f'<div class="nqa-understood">Understood as: {escape(answer.understood)}</div>'
                  if answer.understood != answer.question else "")
    if answer.no_answer:
        said = answer.message and answer.message.strip() != NO_ANSWER
        reason = f'<div class="nqa-reason">{escape(answer.message)}</div>' if said else ""
        return (f'<div class="nqa-answer nqa-none">{understood}<strong>{NO_ANSWER}</strong>'
                f'{reason}</div>')
    numbered = number_citations(answer)
    parts: list[str] = []
    in_conflict: set[int] = set()
    for conflict in answer.conflicts:
        sides = [i for i in conflict.answers if 0 <= i < len(answer.answers)]
        in_conflict.update(sides)
        positions = [answer.answers[i] for i in sides]
        labels = (_time_labels(positions) if conflict.in_time
                  else [_side_label(p) for p in positions])
        body = "".join(position_html(p, numbered, answer_no, label, texts)
                       for p, label in zip(positions, labels, strict=True))
        title = "⚠ Sources disagree" + (": they were written at different times"
                                        if conflict.in_time else "")
        parts.append(f'<div class="nqa-conflict"><div class="nqa-conflict-title">{title}</div>'
                     f'<div class="nqa-reason">{escape(conflict.reason)}</div>{body}</div>')
    rest = [p for i, p in enumerate(answer.answers) if i not in in_conflict and not p.weak]
    if rest and in_conflict:
        parts.append('<div class="nqa-also">Also found:</div>')
    parts += [position_html(p, numbered, answer_no, texts=texts) for p in rest]
    weak = [p for p in answer.answers if p.weak]
    if weak:
        parts.append('<div class="nqa-also">A weaker reading says otherwise (too uncertain to call '
                     'a disagreement):</div>')
        parts += [position_html(p, numbered, answer_no, "Weaker reading:", texts) for p in weak]
    if answer.message:
        parts.append(f'<div class="nqa-reason">{escape(answer.message)}</div>')
    return f'<div class="nqa-answer">{understood}{"".join(parts)}</div>'


def sources_html(answer: Answer | None, answer_no: int) -> str:
    """The panel beside the chat: each cited article once, with the markers that cite it."""
    if answer is None:
        return '<div class="nqa-empty">Ask a question: the articles it cites appear here.</div>'
    numbered = number_citations(answer)
    if not numbered:
        return f'<div class="nqa-empty">No sources for “{escape(answer.question)}”.</div>'
    by_doc: dict[str, list[Numbered]] = {}
    for item in numbered:
        by_doc.setdefault(item.citation.doc_id, []).append(item)
    items = []
    for head, prints in _folded([cited[0] for cited in by_doc.values()]):
        items.append(_source_item(by_doc[head.citation.doc_id], answer_no,
                                  [by_doc[p.citation.doc_id] for p in prints]))
    return (f'<div class="nqa-sources-for">Sources for “{escape(answer.question)}”</div>'
            f'<ul class="nqa-sources">{"".join(items)}</ul>')


def _source_item(cited: Sequence[Numbered], answer_no: int,
                 prints: Sequence[Sequence[Numbered]] = ()) -> str:
    """One cited article in the sources panel; the other prints of its story, if any, as
    a list folded under it."""
    first = cited[0].citation
    markers = "".join(_marker(answer_no, n.number) for n in cited)
    pages = [n.citation.page for n in cited]
    folded = "".join(_source_item(p, answer_no) for p in prints)
    folded = (f'<details class="nqa-copies"><summary>{_plural(len(prints), "other print")} of '
              f'this story</summary><ul class="nqa-sources">{folded}</ul></details>'
              if prints else "")
    return (f'<li class="nqa-source"><div class="nqa-source-title">'
            f'{source_html(first.source, pages)}</div>'
            f'<div class="nqa-source-cites"><a class="nqa-open" '
            f'href="{cite_href(answer_no, cited[0].number)}">Read it here</a> · cited as {markers}'
            f' · <span class="nqa-meta">{escape(first.doc_id)}</span></div>{folded}</li>')


def merge_spans(spans: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, list[int]]]:
    """(start, end, number) spans to non-overlapping (start, end, numbers), sorted.

    Overlapping quotes become one mark listing both numbers, so marks never nest.
    """
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, number in sorted(s for s in spans if s[1] > s[0]):
        if merged and start < merged[-1][1]:
            last_start, last_end, numbers = merged[-1]
            merged[-1] = (last_start, max(last_end, end), [*numbers, number])
        else:
            merged.append((start, end, [number]))
    return merged


def highlighted_text(text: str, spans: Iterable[tuple[int, int, int]],
                     focus: int | None = None) -> str:
    """The article text, escaped piece by piece, with a <mark> around each cited span.

    Offsets index the raw text, so the text is cut first and each piece escaped after;
    escaping first would shift every offset.
    """
    out: list[str] = []
    cursor = 0
    for start, end, numbers in merge_spans(spans):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        out.append(escape(text[cursor:start]))
        css = "nqa-mark nqa-focus" if focus in numbers else "nqa-mark"
        label = "".join(f"[{n}]" for n in sorted(set(numbers)))
        out.append(f'<mark class="{css}" data-cite="{label}">{escape(text[start:end])}</mark>'
                   f'<sup class="nqa-sup">{label}</sup>')
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def article_html(source: Source, text: str, spans: Iterable[tuple[int, int, int]] = (),
                 focus: int | None = None, note: str = "", page: int | None = None,
                 printed: PageView | None = None) -> str:
    """An opened article: outlet, date, title (a link when it has an address), page, its id,
    then the full text with the cited spans marked. With `printed` (a PDF's cited page)
    the page comes first as printed, its quotes boxed, and the text folds away below it."""
    note_html = f'<div class="nqa-note">{escape(note)}</div>' if note else ""
    body = f'<div class="nqa-body">{highlighted_text(text, spans, focus)}</div>'
    if printed is not None:
        body = (f"{printed_page_html(printed, focus)}<details class=\"nqa-indexed\">"
                f"<summary>The text as indexed</summary>{body}</details>")
    return (f'<article class="nqa-article" data-doc="{escape(source.doc_id)}">'
            f'<h3 class="nqa-article-title">{source_html(source, [page])}</h3>'
            f'<div class="nqa-meta">{escape(source.doc_id)}</div>'
            f"{note_html}{body}</article>")


def printed_page_html(view: PageView, focus: int | None = None) -> str:
    """The rendered page with a box over each line of each quote; boxes are placed in
    fractions of the page, so they stay on their words at any width."""
    marks = []
    for mark in view.marks:
        label = "".join(f"[{n}]" for n in sorted(set(mark.numbers)))
        css = "nqa-pdf-mark nqa-focus" if focus in mark.numbers else "nqa-pdf-mark"
        marks += [f'<mark class="{css}" data-cite="{label}" title="{label}" style="left:'
                  f'{b.left:.4%};top:{b.top:.4%};width:{b.width:.4%};height:{b.height:.4%}">'
                  f"</mark>" for b in mark.boxes]
    image = base64.b64encode(view.png).decode("ascii")
    return (f'<div class="nqa-pdf-meta nqa-meta">Page {view.page} of {view.pages}, as printed'
            f'</div><div class="nqa-pdf-page" data-page="{view.page}" '
            f'style="aspect-ratio:{view.width}/{view.height}">'
            f'<img src="data:image/png;base64,{image}" alt="Page {view.page} of {view.pages}">'
            f'{"".join(marks)}</div>')


def placeholder_html(text: str) -> str:
    return f'<div class="nqa-empty">{escape(text)}</div>'


def busy_html(documents: int) -> str:
    """Shown in the chat while `ask` works, so a slow first answer does not look like a hang."""
    return (f'<div class="nqa-busy"><span class="nqa-spinner"></span> Searching '
            f"{_plural(documents, 'article')}…</div>")


def feeds_html(feeds: Sequence[tuple[Feed, Sequence[FeedItem]]]) -> str:
    """The feeds followed: each with its articles, last fetch and last error, escaped."""
    if not feeds:
        return '<div class="nqa-empty">No feeds followed yet.</div>'
    rows = []
    for feed, items in feeds:
        indexed = sum(1 for i in items if i.doc_id and not i.error)
        failing = [i for i in items if i.error]
        name = escape(feed.title or feed.url)
        url = safe_url(feed.url)
        if url:
            name = (f'<a class="nqa-url" href="{escape(url)}" target="_blank" '
                    f'rel="noopener noreferrer">{name}</a>')
        fetched = feed.to_dict()["last_fetch"] or "never"
        error = escape(without_paths(feed.last_error)) if feed.last_error else "none"
        pages = "".join(f"<li>{escape(i.link)}: {escape(without_paths(i.error))}</li>"
                        for i in failing)
        pages = (f"<details><summary>{_plural(len(failing), 'page')} not read yet</summary>"
                 f"<ul>{pages}</ul></details>") if failing else ""
        rows.append(f'<tr><td>{name}</td><td>{indexed}</td><td>{escape(fetched)}</td>'
                    f'<td class="nqa-feed-error">{error}{pages}</td></tr>')
    return ('<table class="nqa-feeds"><thead><tr><th>Feed</th><th>Articles</th>'
            '<th>Last fetch</th><th>Last error</th></tr></thead><tbody>'
            f'{"".join(rows)}</tbody></table>')


def copies_note(group: CopyGroup | None, doc_id: str) -> str:
    """What an opened article is among the prints of one story: "" when it is printed once."""
    if group is None:
        return ""
    others = [d for d in group.members if d != doc_id]
    if doc_id == group.original:
        return f"The likely original of {group.story}, also printed as: {', '.join(others)}"
    return (f"A copy of {group.story}: the likely original is {group.original}"
            + (f"; also printed as: {', '.join(d for d in others if d != group.original)}"
               if len(others) > 1 else ""))
