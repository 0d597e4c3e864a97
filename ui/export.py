"""An answer taken away from the page: as Markdown to read or paste, or as JSON for programs.

Both keep every citation's document id and character offsets, so whoever receives the file
can check each quote against the stored article (`text[start:end] == quote`), as on the
page. The JSON is `Answer.to_dict()`, the same shape as `python -m qa --json` and the page's
`/ask`, so one reader handles all three.

The files are written to a folder of this process's own (Gradio then serves a copy from its
cache, which it sweeps itself); files there older than KEEP_SECONDS are swept whenever new
ones are written, and the folder goes when the page closes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from qa import Answer, Citation
from ui.render import NO_ANSWER, number_citations, quote_context, safe_url

KEEP_SECONDS = 3600
NAME_WORDS = 8
# Characters that mean something in Markdown, each shown as itself with a backslash.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~])")


def markdown(answer: Answer, texts: Mapping[str, str] | None = None) -> str:
    """The answer as a reader would write it down: the question, where sources disagree,
    each position with its quotes, and each quote's source with its document and offsets.
    `texts` (doc_id to article text) puts each quote in its sentence, as on the page."""
    texts = texts or {}
    lines = [f"# {answer.question}", ""]
    if answer.understood != answer.question:
        lines += [f"*Understood as: {answer.understood}*", ""]
    if answer.no_answer:
        return "\n".join([*lines, answer.message or NO_ANSWER, ""])
    for conflict in answer.conflicts:
        lines += [f"> **Sources disagree:** {conflict.reason}", ""]
    numbers = {(n.citation.doc_id, n.citation.start, n.citation.end): n.number
               for n in number_citations(answer)}
    for position in answer.answers:
        side = " (disputed: fewer sources)" if position.disputed else ""
        sources = f"{position.support} source{'' if position.support == 1 else 's'}"
        lines += [f"## {position.text}{side}", "", f"{sources}, score {position.score:.2f}", ""]
        for citation in position.citations:
            number = numbers[(citation.doc_id, citation.start, citation.end)]
            lines.append(f"{number}. {_cited(citation, texts.get(citation.doc_id))}")
        lines.append("")
    if answer.message:
        lines += [answer.message, ""]
    return "\n".join(lines)


def _cited(citation: Citation, text: str | None) -> str:
    """"“quote” — Outlet · 18 Nov 2025 · Title, `doc` characters 12-26, <url>", then the
    quote in its sentence, the quote in bold, when the text is at hand."""
    where = f"`{citation.doc_id}` characters {citation.start}-{citation.end}"
    url = safe_url(citation.url)
    link = f", <{url}>" if url else ""
    line = f"“{_escaped(citation.quote)}” — {_escaped(citation.header())}, {where}{link}"
    before, after = quote_context(citation, text)
    if before or after:
        line += f"\n   > {_escaped(before)}**{_escaped(citation.quote)}**{_escaped(after)}"
    return line


def _escaped(text: str) -> str:
    """Article text as Markdown shows it literally, on one line: its own `*`, `_` or `[`
    mark nothing, and its line breaks do not end the list item."""
    return _MARKDOWN.sub(r"\\\1", re.sub(r"\s+", " ", text))


def json_text(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n"


def file_stem(answer: Answer) -> str:
    """A file name a person recognises: "answer-who-is-the-prime-minister-of-japan"."""
    words = re.findall(r"[a-z0-9]+", answer.question.lower())[:NAME_WORDS]
    return "-".join(["answer", *words])


class Exports:
    """Where this page writes the files it offers for download."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="newsqa-exports-"))

    def write(self, answer: Answer, texts: Mapping[str, str] | None = None) -> tuple[Path, Path]:
        """(Markdown file, JSON file) for `answer` (`texts` as for `markdown`); the same
        answer gives the same files."""
        self._sweep()
        contents = {".md": markdown(answer, texts), ".json": json_text(answer)}
        digest = hashlib.sha256(contents[".json"].encode("utf-8")).hexdigest()[:16]
        folder = self.folder / digest        # one folder per answer: the names stay readable
        folder.mkdir(exist_ok=True)
        os.utime(folder)                     # fresh again: the next sweep keeps it
        paths = []
        for suffix, text in contents.items():
            path = folder / f"{file_stem(answer)}{suffix}"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths[0], paths[1]

    def _sweep(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        for folder in self.folder.iterdir():
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
