"""Whether this user may read, or write, an index folder: asked before a file is opened.

A file this user may not read looks to SQLite and FAISS like a damaged one ("unable to
open database file"), and a folder it may not write ends a write half way through with
a PermissionError. Asked first, either is what it is: `PermissionDenied`, one line naming
the file and the permission it needs, and no repair advice, since nothing is damaged and
a repair would only move good files aside. `os.access` answers for the user running the
command as the kernel will (root passes every test; a read-only mount fails the write
one, and is named as such).

Reading needs the folder's read and search (x) permission and read permission on every
file of the index; writing needs write permission on the folder (new segment files,
renames, the lock) and on the SQLite files that are written in place.
"""

from __future__ import annotations

import errno
import os
import pwd
from pathlib import Path

from index.errors import PermissionDenied
from index.folder.check import DATABASE, MANIFEST
from index.folder.segments import number_of

# The SQLite files a write changes in place (the -wal and -shm only while they exist).
_WRITTEN_IN_PLACE = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", "write.lock")
# What a refused operation could not do, as the message says it.
READING = "to read the index"
WRITING = "to write to the index"


def _user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"


def denied(path: Path | str, need: str, doing: str) -> PermissionDenied:
    """The one line for a permission this user lacks: the file, what it needs, and why."""
    unchanged = "" if doing == READING else "; nothing was changed"
    if need.startswith("write") and _read_only_mount(Path(path)):
        return PermissionDenied(f"{path} is on a read-only file system: it cannot be written "
                                f"{doing}{unchanged}")
    return PermissionDenied(f"permission denied: {path} needs {need} permission for user "
                            f"{_user()} {doing}{unchanged}")


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _files(folder: Path) -> list[Path]:
    """The files of the index in `folder`: not the damaged-* folders a repair left, nor the
    temporary files a writer is saving (they are not the index's until renamed)."""
    return sorted(f for f in folder.iterdir()
                  if f.name in (MANIFEST, *_WRITTEN_IN_PLACE)
                  or (number_of(f) is not None and not f.name.endswith(".tmp")))


def _lacks(file: Path, mode: int) -> bool:
    """Whether this user lacks `mode` on `file`; a file a writer removed since it was listed
    lacks nothing (a reader then moves on to the next generation)."""
    if os.access(file, mode):
        return False
    try:
        file.stat()
    except FileNotFoundError:
        return False
    return True


def check_readable(folder: Path) -> None:
    """PermissionDenied naming the folder or the first file of the index this user cannot
    read; nothing when all can be read (or the folder does not exist)."""
    if not folder.is_dir():
        return
    if not os.access(folder, os.R_OK | os.X_OK):
        raise denied(folder, "read and search (x)", READING)
    for file in _files(folder):
        if file.name != "write.lock" and _lacks(file, os.R_OK):
            raise denied(file, "read", READING)


def check_writable(folder: Path) -> None:
    """PermissionDenied naming the folder or the first file this user cannot write, when a
    write would need it: every check `check_readable` makes, then write permission on the
    folder and on the files written in place."""
    check_readable(folder)
    if not os.access(folder, os.W_OK):
        raise denied(folder, "write", WRITING)
    for name in _WRITTEN_IN_PLACE:
        if _lacks(folder / name, os.W_OK):
            raise denied(folder / name, "write", WRITING)


def is_denied(error: OSError) -> bool:
    """Whether an OS error is a permission (or a read-only mount), not a missing or bad file."""
    return error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
