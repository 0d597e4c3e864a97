"""What BM25 matches on: the terms of a chunk at ingest, and of a question when it is asked.

One tokenizer for both sides and both kinds of index: words lower-cased, English
stopwords dropped, the rest stemmed (Snowball), so "Ministers" in a question finds
"minister" in a chunk. K1 and B are the BM25 parameters both kinds score with
(`index.folder.postings`, `index.postgres.bm25`): Lucene's formula with bm25s's
defaults, so the two kinds give the same scores chunk for chunk.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bm25s.stopwords import STOPWORDS_EN

K1 = 1.5
B = 0.75
_TOKEN = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed words without English stopwords: what BM25 matches on."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]
    return _stemmer().stemWords(words)
