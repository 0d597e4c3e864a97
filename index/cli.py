"""`python -m index`: build, add, remove, compact, status, check, repair and watch an index.

Every command ends with one summary line; with --json it prints that summary as
one JSON object on stdout instead, for scripts; either names the index it used, since
without --index that is the default one (`index.location.default_index_dir`), which the
page and `python -m qa` use too. Errors a person can fix are one line on stderr, never a
traceback. Exit status of build, add, remove and watch: 0 when everything asked for was
done, 1 when some files were skipped or some ids were not in the index (each named, with
its reason), 2 when nothing could be done (every file skipped, no id found, or an index
error).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

from index.display import shown
from index.errors import ActionNeeded, IndexLocked, WorkersFailed
from index.ingest.links import as_link
from index.location import default_index_dir, default_shown, kind_of, open_default
from index.results import Findings, Repair, Report, Status
from index.store import Index

EXIT_PARTIAL = 1
EXIT_NOTHING = 2


@contextmanager
def _progress(args: argparse.Namespace) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar on stderr, counted in articles, closed however the work ends; None with
    --json or --quiet."""
    if args.json or args.quiet:
        yield None
        return
    from tqdm import tqdm

    bar: list[tqdm] = []

    def update(done: int, total: int) -> None:
        if not bar:
            bar.append(tqdm(total=total, unit="article", desc="embedding", file=sys.stderr,
                            dynamic_ncols=True))
        bar[0].n = done
        bar[0].refresh()

    try:
        yield update
    finally:
        if bar:
            bar[0].close()


def _emit(result: Report | Status | Findings | Repair, as_json: bool, index: Index | None = None
          ) -> None:
    """The result's summary, or its JSON object. A Report does not know its index, so
    `index` names it: the headline starts with it, as a status line does, and the JSON
    object has it as "index"."""
    if index is None or not isinstance(result, Report):
        print(json.dumps(result.to_dict()) if as_json else result.summary())
    elif as_json:
        print(json.dumps({**result.to_dict(), "index": shown(index.path)}))
    else:
        print(_summary(result, index))


def _summary(report: Report, index: Index) -> str:
    return "\n".join([*report.details(), f"{shown(index.path)}: {report.headline()}"])


def _open(args: argparse.Namespace, create: bool = True) -> Index:
    """The index a command writes to. The default location, the first time anything
    writes to it, starts from the seeds as it does for the page, so that it is the same
    index whichever comes first; a location that is named is created empty (build, add,
    watch) or must hold an index (`create=False`: remove, compact, status)."""
    if create and not args.index and not os.environ.get("NEWSQA_INDEX"):
        return open_default(log=lambda line: print(line, file=sys.stderr, flush=True))
    return Index.open(args.index, create=create)


def _links(paths: list[str]) -> list[str]:
    """The paths as given, except that a bare host typed as a link (`www.example.com/news`)
    that is no file here is taken as https, as a browser's address bar takes it."""
    return [path if os.path.exists(path) else as_link(path) or path for path in paths]


def exit_status(reports: list[Report]) -> int:
    """0: all went in; 1: some files skipped; 2: files were asked for and none went in."""
    if reports and all(r.done_nothing for r in reports):
        return EXIT_NOTHING
    return EXIT_PARTIAL if any(r.skipped for r in reports) else 0


def _write(args: argparse.Namespace, run: Callable[[Index, Callable | None], Report],
           reading: bool = False) -> int:
    """Run one write; `reading` writes (build, add) exit by `exit_status`, others with 0."""
    index = _open(args, create=reading)
    with _progress(args) as progress:
        report = run(index, progress)
    _emit(report, args.json, index)
    return exit_status([report]) if reading else 0


def _remove(args: argparse.Namespace) -> int:
    """0: every id removed; 1: some were not in the index (named, the rest removed); 2:
    none was, said in one line (nothing was written)."""
    index = _open(args, create=False)
    report = index.remove(args.doc_ids)
    if report.removed or args.json:
        _emit(report, args.json, index)
        return exit_status([report])
    missing = ", ".join(f"`{shown(s.path)}`" for s in report.skipped)
    print(f"error: nothing removed: {shown(index.path)} has no document {missing}",
          file=sys.stderr)
    return EXIT_NOTHING


def _watch(args: argparse.Namespace) -> int:
    from index.watch import Watcher

    index = _open(args)
    reports = [index.build([args.folder], prune=args.prune)]
    print(_summary(reports[0], index), flush=True)

    def show(report: Report) -> None:
        reports.append(report)
        print(_summary(report, index), flush=True)

    def failed(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)

    watcher = Watcher(index, args.folder, on_report=show, on_error=failed)
    watcher.start()
    print(f"watching {shown(args.folder)} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        watcher.stop()
        print("stopped watching")
        print(index.status().summary())
    return exit_status(reports)


def _check_or_repair(args: argparse.Namespace) -> int:
    """check: 0 healthy, 1 problems, 2 no index (or one this user may not read). repair: 0
    all articles back (or nothing to do), 1 some could not be brought back or named,
    accepted with --accept-loss (or, for PostgreSQL, problems that only a person can mend),
    2 no index, locked, not permitted, or articles would be lost without --accept-loss.
    Each kind checks and repairs its own way, without opening the index, which a damaged
    folder would refuse."""
    location = args.index or default_index_dir()
    kind = kind_of(location)
    if args.command == "check":
        findings = kind.check_at(location)
        _emit(findings, args.json)
        return 0 if findings.ok else 1
    with _progress(args) as progress:
        result = kind.repair_at(location, progress, accept_loss=args.accept_loss)
    _emit(result, args.json)
    return 0 if result.ok else 1


def _worker_count(text: str) -> int:
    """--workers: a whole number from 1 up, else argparse's one-line usage error."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1 or more)")
    return count


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m index",
        description="Index news articles for question answering. "
                    f"Default index: {default_shown()} (set NEWSQA_INDEX or --index: "
                    f"a folder or a postgresql:// URI).")
    commands = top.add_subparsers(dest="command", required=True)

    def command(name: str, text: str, json_flag: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--index", help=f"index folder or postgresql:// URI (default: "
                                         f"{default_shown()})")
        if json_flag:
            sub.add_argument("--json", action="store_true", help="print the summary as JSON")
        sub.add_argument("--quiet", action="store_true", help="no progress bar")
        return sub

    build = command("build", "index files and folders; unchanged articles are skipped")
    build.add_argument("paths", nargs="+", metavar="PATH")
    build.add_argument("--prune", action="store_true",
                       help="remove indexed articles no longer found under PATH")
    add = command("add", "index the given files (ids are their names without extension) "
                         "and links: https://... pages and PDFs, www.example.com/news taken as https "
                         "(ids are host/path)")
    add.add_argument("paths", nargs="+", metavar="FILE_OR_URL")
    for sub in (build, add):
        sub.add_argument("--replace", action="store_true",
                         help="an article whose id is taken by another article replaces it "
                              "(default: it is kept apart as ID-2)")
        sub.add_argument("--workers", type=_worker_count, default=1, metavar="N",
                         help="split and embed in N workers: Ray actors when Ray is installed "
                              "(on the cluster at $RAY_ADDRESS, else a local one), else "
                              "processes (default: 1, this process)")
    remove = command("remove", "remove articles by id")
    remove.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    command("compact", "fold all segments into one and drop replaced chunks for good")
    command("status", "documents, chunks, embedder, size and last build")
    command("check", "list every problem of the index, writing nothing: exit 0 healthy, "
                     "1 problems found, 2 no index to check")
    repair = command("repair", "rebuild a damaged index from its stored texts and source "
                               "files; damaged files are moved aside, and articles not brought "
                               "back named")
    repair.add_argument("--accept-loss", action="store_true",
                        help="repair even when some articles cannot be brought back (or "
                             "cannot be counted); without it such a repair changes nothing")
    watch = command("watch", "index a folder, then keep indexing files as they arrive",
                    json_flag=False)
    watch.add_argument("folder", metavar="FOLDER")
    watch.add_argument("--prune", action="store_true", help="first remove articles not in FOLDER")
    watch.set_defaults(json=False)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "build":
            return _write(args, lambda ix, p: ix.build(args.paths, prune=args.prune, progress=p,
                                                       replace=args.replace,
                                                       workers=args.workers), reading=True)
        if args.command == "add":
            return _write(args, lambda ix, p: ix.add(_links(args.paths), progress=p,
                                                     replace=args.replace, workers=args.workers),
                          reading=True)
        if args.command == "remove":
            return _remove(args)
        if args.command == "compact":
            return _write(args, lambda ix, p: ix.compact())
        if args.command == "status":
            _emit(Index.open(args.index, create=False).status(), args.json)
            return 0
        if args.command in ("check", "repair"):
            return _check_or_repair(args)
        return _watch(args)
    except (ActionNeeded, IndexLocked, WorkersFailed) as error:
        print(f"error: {shown(error)}", file=sys.stderr)
        return EXIT_NOTHING


def run(main: Callable[[], int]) -> NoReturn:
    """Exit with `main()`'s status; a reader that closes the pipe early (`| head`) ends
    the output quietly instead of with a BrokenPipeError traceback."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at /dev/null so that cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    sys.exit(status)
