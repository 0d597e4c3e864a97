"""One writer per index folder, across processes.

An flock is released by the kernel when its process dies, even by SIGKILL, so a
crashed build never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from index.errors import IndexLocked


class WriteLock:
    """Held while writing; `wait` seconds to queue behind another writer, 0 to fail at once."""

    def __init__(self, folder: Path, wait: float = 0.0) -> None:
        self.path = folder / "write.lock"
        self.wait = wait
        self._handle = None

    def __enter__(self) -> WriteLock:
        deadline = time.monotonic() + self.wait
        handle = open(self.path, "a+")
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                handle.close()
                raise IndexLocked(f"index {self.path.parent} is locked by PID {holder}, "
                                  f"which is writing to it; try again when it has finished") from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        assert self._handle is not None
        self._handle.truncate(0)
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None
