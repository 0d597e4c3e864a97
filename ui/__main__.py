"""`python -m ui`: serve the question-answering page (http://127.0.0.1:7860 by default)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from index import ActionNeeded, default_shown
from ui.logins import LoginError, logins
from ui.network import DEFAULT_HOST, DEFAULT_PORT, PortError, choose, exposure_warning, port_from_env


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m ui",
        description="Serve a chat page that answers questions from indexed news articles, "
                    "citing its sources. The default index, when new, is first filled from "
                    "seeds/.")
    top.add_argument("--index", help=f"index folder or postgresql:// URI (default: "
                                     f"{default_shown()})")
    top.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST,
                     help=f"address to listen on (default $GRADIO_SERVER_NAME or {DEFAULT_HOST}: "
                          f"this machine only; 0.0.0.0 lets other machines in)")
    top.add_argument("--port", type=int,
                     help=f"port (default $GRADIO_SERVER_PORT, else {DEFAULT_PORT} or the next "
                          f"free one)")
    top.add_argument("--auth", action="append", default=[], metavar="USER:PASSWORD",
                     help="require this login (repeatable); other users of this machine can "
                          "see it in the process list, so prefer --auth-file")
    top.add_argument("--auth-file", metavar="FILE",
                     help="require one of the logins in FILE, one USER:PASSWORD a line")
    top.add_argument("--read-only", action="store_true",
                     help="asking only: no upload, no removal, nothing written to the index")
    top.add_argument("--watch", metavar="FOLDER",
                     help="also index files dropped into FOLDER while the page runs")
    top.add_argument("--allow-private-links", action="store_true",
                     help="let 'Add a link' fetch from this machine and private networks "
                          "(127.0.0.1, 10.x, 192.168.x, link-local...); without it only public "
                          "addresses are fetched, so that visitors cannot read internal pages")
    top.add_argument("--feeds-every", type=float, default=900, metavar="SECONDS",
                     help="how often the followed feeds are fetched while the page runs "
                          "(default 900; not at all with --read-only)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.read_only and args.watch:
        print("error: --watch writes to the index, --read-only forbids it: give one of them",
              file=sys.stderr)
        return 2
    # Everything that can be wrong with the command is said before the index is loaded.
    try:
        auth = logins(args.auth, args.auth_file)
        asked = args.port if args.port is not None else port_from_env()
        port, note = choose(args.host, asked)
    except (LoginError, PortError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if note:
        print(note, flush=True)
    warning = exposure_warning(args.host, port, login=bool(auth), read_only=args.read_only)
    if warning:
        print(warning, file=sys.stderr, flush=True)

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import launch
    from ui.backend import Backend

    try:
        backend = Backend.open(args.index, read_only=args.read_only,
                               private_links=args.allow_private_links)
    except ActionNeeded as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(backend.status().summary() + (" (read-only)" if args.read_only else ""), flush=True)
    started = time.perf_counter()
    backend.warm_up()    # the first question is answered as fast as the next
    print(f"models loaded in {time.perf_counter() - started:.1f} s", flush=True)
    if args.watch:
        backend.watch(args.watch, on_report=lambda r: print(f"watch: {r.summary()}", flush=True))
        print(f"watching {args.watch}", flush=True)
    if not args.read_only:
        backend.poll_feeds(max(1.0, args.feeds_every),
                           on_report=lambda r: print(f"feeds: {r.summary()}", flush=True))
    try:
        launch(backend, args.host, port, auth=auth)
    except OSError as error:     # another program took the port since it was checked
        print(f"error: cannot listen on {args.host}:{port}: {error}", file=sys.stderr)
        return 2
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
