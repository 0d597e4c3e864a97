"""`python -m index repair`: a damaged index rebuilt from what remains, and the rest named.

What remains is, first, the article texts stored in index.sqlite (read from both
ends of each table, so one bad page costs only its rows), and second, the files
and folders the index was built from, which the manifest remembers. The new
index is built beside the old one; only when it is whole are the damaged files
moved into `damaged-<time>/` (never deleted) and the new ones put in their place.
Like Lucene's CheckIndex -exorcise, it says exactly which articles did not come
back, and, unlike it, asks first (`--accept-loss`) when any would not.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

from index.errors import ActionNeeded, RepairWouldLose
from index.folder import sqlite
from index.folder.access import check_writable
from index.folder.check import DATABASE, MANIFEST, holds_index, inspect, read_manifest, repair_command
from index.folder.lock import WriteLock
from index.folder.segments import number_of, write_atomically
from index.folder.store import FolderIndex
from index.ingest.articles import Article, Skipped, read_paths
from index.ingest.feeds import Feed, FeedItem
from index.results import Repair
from index.store import read_feed_items, read_feeds

STAGING = "repairing"
# Articles a refused repair names by id; the rest are counted.
NAMED_LOST = 10


def repair(folder: Path, progress: Callable[[int, int], None] | None = None,
           accept_loss: bool = False) -> Repair:
    """Rebuild the index in `folder` if `check` finds problems; a healthy one is left alone.

    A repair never leaves fewer articles than the index held without being told to: when
    some could be neither read nor re-read, or index.sqlite cannot be read whole (so what
    it held cannot be counted), it raises RepairWouldLose before changing anything, unless
    `accept_loss`. A folder this user may not read or write is PermissionDenied: a file it
    cannot open is not damage, and moving it aside would lose what it holds."""
    started = time.perf_counter()
    if not holds_index(folder):
        raise ActionNeeded(f"no index at {folder}: nothing to repair")
    check_writable(folder)
    with WriteLock(folder):
        findings = inspect(folder)
        if findings.healthy:
            return Repair(str(folder))
        articles, known, whole, manifest, generation = _salvage(folder)
        sources = [s for s in manifest.get("sources", []) if isinstance(s, str)]
        present = [s for s in sources if Path(s).exists()]
        reread: list[Article] = []
        skipped: list[Skipped] = []
        if present and (not whole or known - {a.doc_id for a in articles}):
            from_files, skipped = read_paths(present)
            have = {a.doc_id for a in articles}
            # A repair restores what the index held; it does not add what it never held.
            reread = [a for a in from_files if a.doc_id not in have
                      and (not whole or a.doc_id in known)]
        back = {a.doc_id for a in articles + reread}
        lost = tuple(sorted(known - back))
        if (lost or not whole) and not accept_loss:
            raise RepairWouldLose(_loss(folder, len(back), len(known), lost, whole))
        staging = _rebuild(folder, manifest, articles + reread, generation, progress,
                           _salvage_feeds(folder))
        moved_to = _swap(folder, staging)
    return Repair(str(folder), findings.problems, str(moved_to),
                  tuple(sorted(a.doc_id for a in articles)),
                  tuple(sorted(a.doc_id for a in reread)), lost,
                  not whole, tuple(s for s in sources if s not in present), tuple(skipped),
                  time.perf_counter() - started)


def _loss(folder: Path, back: int, known: int, lost: tuple[str, ...], whole: bool) -> str:
    """What a repair would lose, said before it is done."""
    named = f": {', '.join(lost[:NAMED_LOST])}{', ...' if len(lost) > NAMED_LOST else ''}" \
        if lost else ""
    if whole:
        loss = f"would bring back {back} of the {known} articles it holds and lose {len(lost)}"
    else:
        loss = (f"would bring back {back} articles, but index.sqlite cannot be read whole, so "
                f"how many it held cannot be told, and more may be lost than the {len(lost)} "
                f"it names")
    return (f"repairing {folder} {loss}{named}. Nothing was changed; run `{repair_command(folder)} "
            f"--accept-loss` to repair it anyway (damaged files are moved aside, not deleted)")


def _salvage(folder: Path) -> tuple[list[Article], set[str], bool, dict, int]:
    """(articles read, ids known, whether index.sqlite read whole, manifest, the highest
    generation or segment number in use). The manifest is the file if it reads, else the
    copy each write keeps in index.sqlite, else empty (the configured embedder is used)."""
    highest = max((n for f in folder.iterdir() if (n := number_of(f)) is not None), default=0)
    try:
        manifest = read_manifest(folder)
    except ValueError:
        manifest = {}
    if not (folder / DATABASE).exists():
        return [], set(), False, manifest, highest
    try:
        db = sqlite.connect(folder / DATABASE, create=False, read_only=True)
    except sqlite3.Error:
        return [], set(), False, manifest, highest
    try:
        articles, known, whole = sqlite.salvage(db)
        with suppress(sqlite3.Error, ValueError):  # the meta table is no article's only copy
            highest = max(highest, int(sqlite.get_meta(db, "generation", "0")))
            manifest = manifest or json.loads(sqlite.get_meta(db, "manifest", "{}"))
    finally:
        db.close()
    return articles, known, whole, manifest, highest


def _salvage_feeds(folder: Path) -> list[tuple[Feed, list[FeedItem]]]:
    """The feeds followed and their items, as far as index.sqlite still reads: they are no
    article's only copy, so what cannot be read is left out, not reported."""
    try:
        db = sqlite.connect(folder / DATABASE, create=False, read_only=True)
    except sqlite3.Error:
        return []
    try:
        return [(feed, read_feed_items(db, sqlite.MARK, feed.url))
                for feed in read_feeds(db, sqlite.MARK)]
    except sqlite3.Error:
        return []
    finally:
        db.close()


def _rebuild(folder: Path, manifest: dict, articles: list[Article], generation: int,
             progress: Callable[[int, int], None] | None,
             feeds: Sequence[tuple[Feed, list[FeedItem]]] = ()) -> Path:
    """A whole new index of the articles (and the feeds followed) in `folder/repairing`,
    numbered above every generation and segment of the old one, so that nothing can
    mistake one for the other."""
    staging = folder / STAGING
    if staging.exists():
        shutil.rmtree(staging)  # the unfinished output of a repair that was stopped
    index = FolderIndex.open(staging, embedder=manifest.get("embedder"))
    db = sqlite.connect(staging / DATABASE, create=False)
    sqlite.set_meta(db, generation=generation)
    db.close()
    index.add_articles(articles, progress=progress)
    for feed, items in feeds:
        index.save_feed(feed, items)
    index.close()
    rebuilt = read_manifest(staging)
    if manifest.get("sources"):
        rebuilt["sources"] = manifest["sources"]
        write_atomically(staging / MANIFEST, json.dumps(rebuilt, indent=2).encode())
    return staging


def _swap(folder: Path, staging: Path) -> Path:
    """Move every file of the damaged index into `damaged-<time>/`, then the new files in."""
    moved_to = folder / f"damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    suffix = 1
    while moved_to.exists():
        suffix += 1
        moved_to = moved_to.with_name(f"{moved_to.name.split('~')[0]}~{suffix}")
    moved_to.mkdir()
    ours = (MANIFEST, DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm")
    for file in folder.iterdir():
        if file.name in ours or number_of(file) is not None:
            os.replace(file, moved_to / file.name)
    for file in staging.iterdir():
        if file.name != "write.lock":
            os.replace(file, folder / file.name)
    shutil.rmtree(staging)
    return moved_to
