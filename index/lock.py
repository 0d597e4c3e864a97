"""One writer per index folder, across processes.

An flock is released by the kernel when its process dies, even by SIGKILL, so a
crashed build never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class IndexLocked(Exception):
    pass


class WriteLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "write.lock"
        self._handle = None

    def __enter__(self) -> WriteLock:
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
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
