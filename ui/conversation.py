"""The page's conversation kept in the browser, so a reload (or coming back tomorrow) shows
the questions and answers again and follow-ups still know what came before.

Each browser keeps its own, in localStorage through Gradio's BrowserState: nothing of it is
kept on the server. What is kept is each answer's `to_dict()`; the chat is drawn again from
those, against the index as it is then (a citation whose article has changed since says so
when opened, as it does within a session).

BrowserState encrypts what it stores with a key that it sends to the browser in the page's
configuration: that keeps other scripts from reading it casually, no more. The key is fixed
here rather than drawn anew at each start, so that a conversation outlives a restart of the
page. What comes back from a browser is read as untrusted: anything that is not a list of
answers is an empty conversation, and everything shown from it is escaped as always.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa import Answer

STORAGE_KEY = "newsqa-conversation"
STORAGE_SECRET = "newsqa-conversation-v1"   # not a secret: see above
KEPT_ANSWERS = 50                           # the newest; localStorage holds a few MB


def stored(answers: Sequence[Answer]) -> dict[str, Any]:
    """What the browser keeps of a conversation."""
    return {"answers": [answer.to_dict() for answer in answers[-KEPT_ANSWERS:]]}


def restored(value: Any) -> list[Answer]:
    """The answers a browser kept, oldest first; [] for anything that is not one of
    `stored`'s values, and an answer that cannot be read is left out."""
    items = value.get("answers") if isinstance(value, dict) else None
    if not isinstance(items, list):
        return []
    answers = []
    for item in items[-KEPT_ANSWERS:]:
        try:
            answers.append(Answer.from_dict(item))
        except (KeyError, TypeError, ValueError):
            continue
    return answers
