"""The page's API for programs: `/ask` returns `Answer.to_dict()`.

This module alone does without `from __future__ import annotations`: Gradio reads the
type hints of an API function as objects to publish its schema (`view_api()`), and a
hint left as a string would show as "Any".
"""

from collections.abc import Callable

from qa.result import AnswerDict
from ui.backend import Backend


def ask_endpoint(backend: Backend) -> Callable[[str], AnswerDict]:
    def ask(question: str) -> AnswerDict:
        """Answer a question from the indexed articles: Answer.to_dict()."""
        return backend.ask(question).to_dict()

    return ask
