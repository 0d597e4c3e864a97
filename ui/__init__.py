"""The web page: ask questions, read the cited sources, add and remove articles.

    python -m ui [--index DIR] [--host H] [--port P] [--auth USER:PASSWORD] [--read-only]

`ui.app.build(backend)` returns the Gradio Blocks for embedding or tests;
`ui.backend.Backend` is the page's only door to `qa` and `index`. Gradio and the models
are imported on first use, so `python -m ui` says what is wrong with its command (a bad
login file, a port in use, a bad GRADIO_SERVER_PORT) at once, before loading either.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Backend", "build", "launch"]


def __getattr__(name: str) -> Any:
    if name == "Backend":
        from ui.backend import Backend
        return Backend
    if name in ("build", "launch"):
        from ui import app
        return getattr(app, name)
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
