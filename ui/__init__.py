"""The web page: ask questions, read the cited sources, add and remove articles.

    python -m ui [--index DIR] [--host H] [--port P] [--watch FOLDER]

`ui.app.build(backend)` returns the Gradio Blocks for embedding or tests;
`ui.backend.Backend` is the page's only door to `qa` and `index`.
"""

from ui.app import build, launch
from ui.backend import Backend

__all__ = ["Backend", "build", "launch"]
