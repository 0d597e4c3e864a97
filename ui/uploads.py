"""Uploaded files to safe, indexable copies: a plain name, a known type, a bounded size.

A browser sends a file name chosen by whoever made the file. Only its last path
component is kept (`../../etc/passwd.txt` becomes `passwd.txt`), cleaned by the
index's one id rule (`index.ingest.ids`): letters of every script stay, so `日本.txt`
is indexed as `日本`, while control characters and separators go. Each file is
copied into a folder of its own, so two uploads with one name never overwrite
each other on disk; which id each gets is the index's decision (`article-2` when
the name belongs to another article), and its report says so.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path, PureWindowsPath

from index import Skipped
from index.ingest.articles import SUPPORTED_SUFFIXES
from index.ingest.ids import FALLBACK_ID, clean_part

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Files in one upload; and what uploads not yet indexed (or never to be: a bare request to
# Gradio's upload route, a closed tab) may hold on the server's disk at once, all pages
# that share Gradio's folder together (see `ui.gate`).
MAX_UPLOAD_FILES = 20
MAX_WAITING_BYTES = 100 * 1024 * 1024
MAX_WAITING_FILES = 200
# File systems allow 255 bytes a name; a name of CJK letters takes 3 bytes a letter.
MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """The basename of `name`, cleaned as ids are; never empty, never hidden, never long."""
    base = PureWindowsPath(str(name)).name      # splits on both / and \
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    suffix = "".join(c for c in suffix if c.isascii() and c.isalnum()).lower()
    stem = clean_part(stem) or FALLBACK_ID
    budget = MAX_NAME_BYTES - len(suffix) - 1
    while len(stem.encode("utf-8")) > budget:
        stem = stem[:-1]
    return f"{stem}.{suffix}" if suffix else stem


def stage(files: Iterable[tuple[str | Path, str]], folder: Path,
          max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[list[Path], list[Skipped]]:
    """Copy (path on disk, name the person gave) pairs into `folder`, each into a folder
    of its own under its safe name.

    Files of a type the index cannot read, or too large, are skipped here with the
    reason, so nothing unreadable is copied at all.
    """
    staged: list[Path] = []
    skipped: list[Skipped] = []
    for number, (source, given) in enumerate(files, start=1):
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
            target = folder / str(number) / name
            target.parent.mkdir()
            shutil.copyfile(source, target)
            staged.append(target)
    return staged, skipped


def discard(paths: Iterable[str | Path], folder: str | Path) -> None:
    """Delete uploaded files from Gradio's folder, with the per-file folder Gradio made for
    each. Only paths inside `folder` are touched, whatever a request claims."""
    root = Path(folder).resolve()
    for name in paths:
        path = Path(name).resolve()
        if path.is_relative_to(root) and path != root:
            path.unlink(missing_ok=True)
            with suppress(OSError):         # not empty: another upload of the same bytes
                if path.parent != root:
                    path.parent.rmdir()
