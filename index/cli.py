"""`python -m index`: build, add, remove, compact, status, check, repair, watch and follow.

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

from index.display import counted, shown
from index.errors import ActionNeeded, IndexLocked, WorkersFailed
from index.follow import DEFAULT_INTERVAL
from index.ingest.feeds import Feed, FeedItem
from index.ingest.links import as_link
from index.location import default_index_dir, default_shown, kind_of, masked, open_default
from index.results import Findings, Repair, Report, Status
from index.store import Index

EXIT_PARTIAL = 1
EXIT_NOTHING = 2
WATCH_WRITE_WAIT = 30.0


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
    """The folder (if given) kept indexed, and the followed feeds polled, until Ctrl-C."""
    from index.follow import Follower, FollowReport
    from index.watch import Watcher

    index = _open(args)
    # The folder's watcher and the feeds' poller write from two threads: each queues
    # behind the other's write rather than failing.
    index.write_wait = WATCH_WRITE_WAIT
    feeds = index.feeds()
    if not args.folder and not feeds:
        print("error: nothing to watch: give a FOLDER, or follow a feed first "
              "(`python -m index follow FEED_URL`)", file=sys.stderr)
        return EXIT_NOTHING
    reports: list[Report] = []

    def show(report: Report | FollowReport) -> None:
        if isinstance(report, FollowReport):
            reports.append(report.report)
            print(report.summary(), flush=True)
        else:
            reports.append(report)
            print(_summary(report, index), flush=True)

    def failed(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)

    running: list[Watcher | Follower] = []
    if args.folder:
        show(index.build([args.folder], prune=args.prune))
        running.append(Watcher(index, args.folder, on_report=show, on_error=failed).start())
    running.append(Follower(index, args.interval, on_report=show, on_error=failed).start())
    watched = [shown(args.folder)] if args.folder else []
    watched += [counted(len(feeds), "feed") + f" every {args.interval:g} s"] if feeds else []
    print(f"watching {' and '.join(watched)} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        for part in running:
            part.stop()
        print("stopped watching")
        print(index.status().summary())
    return exit_status(reports)


def _follow(args: argparse.Namespace) -> int:
    """follow URL: 0 every item read, 1 some pages failed (tried again later), 2 the feed
    could not be read. --list: 0. --remove: 0, or 2 when the feed was not followed."""
    from index.follow import follow

    chosen = [bool(args.url), args.list, bool(args.remove)]
    if sum(chosen) != 1:
        print("error: give one of FEED_URL, --list or --remove FEED_URL", file=sys.stderr)
        return EXIT_NOTHING
    if args.list:
        index = Index.open(args.index, create=False)
        listed = [(feed, index.feed_items(feed.url)) for feed in index.feeds()]
        if args.json:
            print(json.dumps([{**feed.to_dict(), "items": len(items),
                               "indexed": sum(1 for i in items if i.doc_id and not i.error),
                               "failing": [i.to_dict() for i in items if i.error]}
                              for feed, items in listed]))
        else:
            for feed, items in listed:
                print(_feed_line(feed, items))
            print(f"{counted(len(listed), 'feed')} followed in {masked(index.path)}")
        return 0
    index = Index.open(args.index)
    if args.remove:
        url = args.remove.strip()
        items = index.feed_items(url)
        if not index.forget_feed(url):
            print(f"error: not following {shown(url)} (see `python -m index follow --list`)",
                  file=sys.stderr)
            return EXIT_NOTHING
        kept = sum(1 for i in items if i.doc_id)
        message = (f"no longer following {shown(url)}; its {counted(kept, 'article')} stay in "
                   f"the index (`python -m index remove ID` takes one out)")
        print(json.dumps({"removed": url, "articles": kept}) if args.json else message)
        return 0
    report = follow(index, args.url, args.interval)
    print(json.dumps(report.to_dict()) if args.json else report.summary())
    if report.error:
        return EXIT_NOTHING
    return 0 if report.ok else EXIT_PARTIAL


def _feed_line(feed: Feed, items: list[FeedItem]) -> str:
    """One followed feed as `follow --list` shows it."""
    from index.ingest.feeds import stamp

    indexed = sum(1 for i in items if i.doc_id and not i.error)
    failing = sum(1 for i in items if i.error)
    title = f" ({shown(feed.title)})" if feed.title else ""
    error = f"; last error: {shown(feed.last_error)}" if feed.last_error else ""
    pages = f", {failing} failing" if failing else ""
    return (f"{shown(feed.url)}{title}: {counted(indexed, 'article')}{pages}; last fetch "
            f"{stamp(feed.last_fetch) or 'never'}{error}; next {stamp(feed.next_fetch) or 'now'}")


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


def _seconds(text: str) -> float:
    """--interval: seconds, at least 1, else argparse's one-line usage error."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds >= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (1 or more)")
    return seconds


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
    watch = command("watch", "index a folder, then keep indexing files as they arrive; and "
                             "fetch the followed feeds' new items as they are published",
                    json_flag=False)
    watch.add_argument("folder", metavar="FOLDER", nargs="?",
                       help="the folder to watch (none: the followed feeds only)")
    watch.add_argument("--prune", action="store_true", help="first remove articles not in FOLDER")
    watch.set_defaults(json=False)
    follow = command("follow", "follow an RSS or Atom feed: its items' pages are indexed now, "
                               "and by `watch` as new ones appear")
    follow.add_argument("url", metavar="FEED_URL", nargs="?")
    follow.add_argument("--list", action="store_true",
                        help="the feeds followed, with their last fetch and last error")
    follow.add_argument("--remove", metavar="FEED_URL",
                        help="stop following a feed (its articles stay in the index)")
    for sub in (watch, follow):
        sub.add_argument("--interval", type=_seconds, default=DEFAULT_INTERVAL, metavar="SECONDS",
                         help=f"how often each feed is fetched (default {DEFAULT_INTERVAL:g}); one "
                              f"that fails waits twice as long each time, up to a day")
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
        if args.command == "follow":
            return _follow(args)
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
