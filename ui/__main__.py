"""`python -m ui`: serve the question-answering page (http://127.0.0.1:7860 by default)."""

from __future__ import annotations

import argparse
import os
import sys

from index import IndexError_, default_index_dir


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m ui",
        description="Serve a chat page that answers questions from indexed news articles, "
                    "citing its sources. An empty index is first filled from seeds/.")
    top.add_argument("--index", help=f"index folder (default: $NEWSQA_INDEX or "
                                     f"{default_index_dir()})")
    top.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only)")
    top.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    top.add_argument("--watch", metavar="FOLDER",
                     help="also index files dropped into FOLDER while the page runs")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import launch
    from ui.backend import Backend

    try:
        backend = Backend.open(args.index)
    except IndexError_ as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(backend.status().summary(), flush=True)
    if args.watch:
        backend.watch(args.watch, on_report=lambda r: print(f"watch: {r.summary()}", flush=True))
        print(f"watching {args.watch}", flush=True)
    try:
        launch(backend, args.host, args.port)
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
