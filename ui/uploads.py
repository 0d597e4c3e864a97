"""Uploaded files to safe, indexable copies: a plain name, a known type, a bounded size.

A browser sends a file name chosen by whoever made the file. Only its last path
component is kept, reduced to letters, digits, `.`, `-` and `_`, so a name like
`../../etc/passwd.txt` becomes `passwd.txt` inside our own temporary folder and
never a path outside it. The name (without extension) becomes the document id.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path, PureWindowsPath

from index import Skipped
from index.articles import SUPPORTED_SUFFIXES

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """The basename of `name` with anything unusual replaced; never empty, never hidden."""
    base = PureWindowsPath(str(name)).name      # splits on both / and \
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = _UNSAFE.sub("_", stem).strip("._-") or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def _unique(name: str, taken: set[str]) -> str:
    """Two uploads that clean to the same name must not overwrite each other."""
    candidate, n = name, 2
    stem, dot, suffix = name.rpartition(".")
    while candidate in taken:
        candidate = f"{stem}-{n}{dot}{suffix}" if dot else f"{name}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def stage(files: Iterable[tuple[str | Path, str]], folder: Path,
          max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[list[Path], list[Skipped]]:
    """Copy (path on disk, name the person gave) pairs into `folder` under safe names.

    Files of a type the index cannot read, or too large, are skipped here with the
    reason, so nothing unreadable is copied at all.
    """
    staged: list[Path] = []
    skipped: list[Skipped] = []
    taken: set[str] = set()
    for source, given in files:
        name = safe_name(given)
        suffix = Path(name).suffix
        size = Path(source).stat().st_size
        if suffix not in SUPPORTED_SUFFIXES:
            kinds = ", ".join(SUPPORTED_SUFFIXES)
            skipped.append(Skipped(name, f"unsupported file type {suffix or '(none)'}; "
                                         f"use {kinds}"))
        elif size > max_bytes:
            skipped.append(Skipped(name, f"too large: {size / 2**20:.1f} MB "
                                         f"(limit {max_bytes / 2**20:.0f} MB)"))
        else:
            target = folder / _unique(name, taken)
            shutil.copyfile(source, target)
            staged.append(target)
    return staged, skipped
