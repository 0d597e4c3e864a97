"""`python -m qa "QUESTION"`: a readable answer with its sources, or --json for programs."""

from __future__ import annotations

import argparse
import json
import sys

from index import IndexError_, IndexLocked, default_index_dir
from qa.answer import ask


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(
        prog="python -m qa",
        description="Answer a question from indexed news articles, citing every source. "
                    f"Default index: {default_index_dir()} (built from the seeds on first use).")
    top.add_argument("question", help="the question, in quotes")
    top.add_argument("--index", help="index folder (default: $NEWSQA_INDEX or the one above)")
    top.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    top.add_argument("-k", type=int, default=12, help="how many articles to read (default 12)")
    args = top.parse_args(argv)
    try:
        answer = ask(args.question, index=args.index, k=args.k)
    except (IndexError_, IndexLocked) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json
          else answer.to_text())
    return 0
