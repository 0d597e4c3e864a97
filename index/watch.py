"""Keep an index in step with a folder: files dropped in are searchable within seconds.

Events are collected for a short quiet period and applied as one write, so a
copy of a hundred files makes one new generation, not a hundred. Nothing stops
the watching thread: a file that cannot be read is skipped by the index (and
listed by `status`), and anything else that goes wrong with one batch is
reported through `on_error` and logged; the next files are indexed as usual.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from index.display import shown
from index.errors import IndexLocked
from index.ingest.articles import SUPPORTED_SUFFIXES, reason_of
from index.results import Report
from index.store import Index

log = logging.getLogger(__name__)


class _Collector(FileSystemEventHandler):
    def __init__(self) -> None:
        self.changed: set[Path] = set()
        self.deleted: set[Path] = set()
        self.lock = threading.Lock()
        self.last_event = 0.0

    def _note(self, path: str, deleted: bool) -> None:
        file = Path(path)
        if file.suffix.lower() not in SUPPORTED_SUFFIXES or file.name.startswith("."):
            return
        with self.lock:
            (self.deleted if deleted else self.changed).add(file)
            (self.changed if deleted else self.deleted).discard(file)
            self.last_event = time.monotonic()

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._note(event.src_path, deleted=False)

    on_modified = on_created

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._note(event.src_path, deleted=False)

    def on_deleted(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._note(event.src_path, deleted=True)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._note(event.src_path, deleted=True)
            self._note(event.dest_path, deleted=False)

    def put_back(self, changed: set[Path], deleted: set[Path]) -> None:
        """Events that could not be applied yet; they wait another quiet period."""
        with self.lock:
            self.changed |= changed
            self.deleted |= deleted
            self.last_event = time.monotonic()

    def take(self, quiet: float) -> tuple[set[Path], set[Path]]:
        with self.lock:
            if not (self.changed or self.deleted) or time.monotonic() - self.last_event < quiet:
                return set(), set()
            changed, deleted = self.changed, self.deleted
            self.changed, self.deleted = set(), set()
            return changed, deleted


class Watcher:
    """Watches `folder` in a background thread; `stop()` ends it. Ids are relative to `folder`."""

    def __init__(self, index: Index, folder: str | Path, quiet: float = 0.5,
                 on_report: Callable[[Report], None] | None = None,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.index = index
        self.folder = Path(folder)
        self.quiet = quiet
        self.on_report = on_report
        self.on_error = on_error
        self._collector = _Collector()
        self._observer = Observer()
        self._observer.schedule(self._collector, str(self.folder), recursive=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsqa-watch", daemon=True)

    def start(self) -> Watcher:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._observer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._observer.stop()
        self._observer.join()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            changed, deleted = self._collector.take(self.quiet)
            if changed or deleted:
                try:
                    self.apply(changed, deleted)
                except IndexLocked:
                    # Another writer (a build from the command line) has the index: try again
                    # when it is done, rather than let this thread die and stop watching.
                    self._collector.put_back(changed, deleted)
                except Exception as error:  # the thread must outlive any one batch
                    self._failed(changed | deleted, error)

    def _failed(self, files: set[Path], error: BaseException) -> None:
        names = ", ".join(shown(f.name) for f in sorted(files)[:5])
        more = f" and {len(files) - 5} more" if len(files) > 5 else ""
        message = (f"could not index {names}{more}: {reason_of(error)}; still watching "
                   f"{shown(self.folder)}, they are tried again when they change")
        log.warning(message)
        if self.on_error:
            self.on_error(message)

    def apply(self, changed: set[Path], deleted: set[Path]) -> None:
        present = sorted(p for p in changed if p.exists())
        reports = []
        if present:
            reports.append(self.index.add(present, root=self.folder))
        # Articles are found by the file they came from: one kept apart under `name-2`,
        # or the records of a JSONL file, leave with their file and nothing else does.
        files = {os.path.abspath(p) for p in deleted if not p.exists()}
        if gone := [row["doc_id"] for row in self.index.documents() if row["path"] in files]:
            reports.append(self.index.remove(gone))
        for report in reports:
            if self.on_report:
                self.on_report(report)
