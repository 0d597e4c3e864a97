"""How the index's messages read: counts in English, names and errors made safe to show.

Used wherever a person reads a line: `index/`'s summaries and errors, the answers of `qa/`
and the page in `ui/`. File names are chosen by whoever made the files; `shown` escapes
what a terminal or a log would otherwise act on, for every message that names a file.
"""

from __future__ import annotations

import unicodedata

# Control and format characters, surrogates, private use, line and paragraph separators:
# a newline, an escape sequence or a right-to-left override in a name rewrites the message.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def is_control(char: str) -> bool:
    """Whether a terminal, a log or a bidirectional layout would act on `char`."""
    return unicodedata.category(char) in _CONTROL_CATEGORIES


def shown(name: object) -> str:
    """`name` with control characters escaped (`\\n`, `\\x1b`, `\\u202e`), for messages."""
    text = str(name)
    if not any(is_control(c) for c in text):
        return text
    return "".join(c.encode("unicode_escape").decode("ascii") if is_control(c) else c
                   for c in text)


def counted(n: int, noun: str) -> str:
    """"1 segment", "3 segments": counts in messages read as English."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def one_line(text: str, limit: int = 160) -> str:
    """An error or verdict as one short line: faiss's C++ location and SQLite's or a
    driver's line breaks are no use to a person."""
    text = " ".join(text.split()).rsplit("Error: ", 1)[-1]
    return text if len(text) <= limit else text[:limit - 3] + "..."
