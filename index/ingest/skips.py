"""Files a write could not read, remembered for `status` in any process until read again.

Both kinds of index keep the list as one JSON value (a `meta` row): these functions
turn the old value and one write's outcome into the new value, and a value into the
files still worth naming.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from index.ingest.articles import Article, Skipped

# At most this many files are remembered, the newest kept.
REMEMBERED_SKIPS = 200


def _split_record(where: str) -> tuple[str, str]:
    """(absolute file, record suffix) of a skipped entry: `a.jsonl:3` is record 3 of `a.jsonl`."""
    head, colon, tail = where.rpartition(":")
    if colon and tail.isdigit() and not os.path.lexists(where):
        return os.path.abspath(head), colon + tail
    return os.path.abspath(where), ""


def remember(previous: str, articles: Sequence[Article], skipped: Sequence[Skipped]) -> str:
    """The new list after a write: the files it could not read are added; the ones it read
    this time are forgotten (a file fixed and added again is no longer listed)."""
    read = {a.path for a in articles}
    fresh = {"".join(_split_record(s.path)): s.reason for s in skipped}
    kept = [(p, r) for p, r in json.loads(previous or "[]")
            if p not in fresh and _split_record(p)[0] not in read]
    return json.dumps([*kept, *fresh.items()][-REMEMBERED_SKIPS:])


def remembered(value: str) -> list[Skipped]:
    """Files that were skipped and are still there unread (a file since deleted drops out)."""
    return [Skipped(path, reason) for path, reason in json.loads(value or "[]")
            if os.path.lexists(_split_record(path)[0])]
