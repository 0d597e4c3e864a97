"""`python -m qa "QUESTION"`: a readable answer with its sources, or --json for programs.

With no question, a prompt: everything is loaded once and each question is answered as
it comes, follow-ups included ("When did she take office?" after "Who is the Prime
Minister of Japan?"). Questions piped in, one a line, are answered the same way.

Typed in a terminal, questions also follow up on those asked before in the same terminal
session, one command at a time or at the prompt (`qa.session`); --new starts over.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from index import (
    ActionNeeded,
    Index,
    IndexLocked,
    counted,
    default_index_dir,
    default_shown,
    open_default,
)
from index.location import is_postgres, masked
from qa import session
from qa.answer import ask, warm_up
from qa.followup import LOOKBACK
from qa.result import Answer

PROMPT = "? "
QUIT = {"quit", "exit", ":q"}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m qa",
        description="Answer a question from indexed news articles, citing every source. "
                    "With no question: a prompt that keeps everything loaded. "
                    f"Default index: {default_shown()} (built from the seeds on first use).")
    top.add_argument("question", nargs="?", help="the question, in quotes (none: a prompt)")
    top.add_argument("--index", help=f"index folder or postgresql:// URI (default: "
                                     f"{default_shown()})")
    top.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    top.add_argument("-k", type=int, default=12, help="how many articles to read (default 12)")
    top.add_argument("--new", action="store_true",
                     help="start the conversation over: the question follows up on nothing "
                          "asked before in this terminal")
    top.add_argument("-v", "--verbose", action="store_true",
                     help="say which index answers (on stderr)")
    return top


def _show(answer: Answer, as_json: bool, indent: int | None = None) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=indent), flush=True)
        return
    if answer.understood != answer.question:
        print(f"(understood as: {answer.understood})")
    print(answer.to_text(), flush=True)


def _questions(interactive: bool) -> Iterator[str]:
    while True:
        try:
            line = input(PROMPT) if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and not line:
            return
        line = line.strip()
        if line.lower() in QUIT:
            return
        if line:
            yield line


def _conversation(args: argparse.Namespace, index: Index) -> int:
    interactive = _in_terminal()
    started = time.perf_counter()
    if interactive:
        print("loading the index and the models...", file=sys.stderr, flush=True)
    warm_up(index)
    if interactive:
        print(f"ready in {time.perf_counter() - started:.1f} s. Ask a question; follow-ups "
              f"are understood. 'quit' or Ctrl-D ends.", file=sys.stderr, flush=True)
    history = _earlier(args)
    asked = 0
    for question in _questions(interactive):
        answer = ask(question, index=index, k=args.k, history=history[-LOOKBACK:])
        history.append(answer)
        _keep(args, history)
        asked += 1
        _show(answer, args.json)
        if interactive:
            print()
    if interactive:
        print(f"{counted(asked, 'question')} answered.", file=sys.stderr)
    return 0


def _in_terminal() -> bool:
    """Whether a person types the questions: only then is there a session to follow up in."""
    return sys.stdin.isatty()


def _where(args: argparse.Namespace) -> str:
    """The index as the session's file names it, the same however it was named: a folder
    as an absolute path, a URI without its password."""
    location = args.index or default_index_dir()
    return masked(location) if is_postgres(location) else str(Path(location).expanduser().resolve())


def _earlier(args: argparse.Namespace) -> list[Answer]:
    """The answers given before in this terminal session, unless --new or not a terminal."""
    if args.new:
        session.forget()
        return []
    return session.history(_where(args)) if _in_terminal() else []


def _keep(args: argparse.Namespace, answers: list[Answer]) -> None:
    if _in_terminal():
        session.keep(_where(args), answers)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        index = open_default(args.index)
        if args.verbose:
            print(f"index {index.status().summary().splitlines()[-1]}", file=sys.stderr,
                  flush=True)
        if args.question is None:
            return _conversation(args, index)
        history = _earlier(args)
        answer = ask(args.question, index=index, k=args.k, history=history)
        _keep(args, [*history, answer])
        _show(answer, args.json, indent=2)
    except (ActionNeeded, IndexLocked) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
