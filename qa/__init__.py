"""Ask questions of indexed news articles; every answer cites its sources.

    from qa import ask
    answer = ask("Who is the Prime Minister of Japan?")   # default index: the seeds
    print(answer.to_text()); answer.to_dict()

The names below load on first use (PEP 562), so importing one light module of the
package (training imports qa.spans) does not pull in the index and its models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer import ask, warm_up
    from qa.result import Answer, Citation, Conflict, Position, Source

_HOME = {"ask": "qa.answer", "warm_up": "qa.answer", "Answer": "qa.result", "Citation": "qa.result",
         "Conflict": "qa.result", "Position": "qa.result", "Source": "qa.result"}

__all__ = ["Answer", "Citation", "Conflict", "Position", "Source", "ask", "warm_up"]


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)
