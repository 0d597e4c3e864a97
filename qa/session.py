"""The command line's conversation: questions asked one command at a time, in one terminal
session, are read in the light of each other, as on the page.

    $ newsqa "Which Chinese official did Kanai meet?"
    $ newsqa "What is his position?"          # (understood as: What is Liu Jinsong's position?)

A terminal session is the shell's session (`os.getsid`): every command typed in one
terminal window, `make ask` included, shares it, and another window has its own. The
newest LOOKBACK answers are kept in a file of this user's, in $XDG_RUNTIME_DIR (or the
temporary folder), under a folder only this user may open, and only for the index they
came from. Input that is not a terminal (a script, a pipe) keeps no conversation: a program
that asks two questions in a row means two questions, not a follow-up. Files of sessions
that have ended are removed when another is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from qa.followup import LOOKBACK
from qa.result import Answer


def _folder() -> Path | None:
    """This user's folder for conversations, or None where there is none to trust (another
    user made it first, or it is a link)."""
    if not hasattr(os, "getsid") or not hasattr(os, "getuid"):
        return None
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    folder = base / f"newsqa-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return None
    if info.st_mode & 0o077:
        try:
            folder.chmod(0o700)
        except OSError:
            return None
    return folder


def _file() -> Path | None:
    folder = _folder()
    return folder / f"session-{os.getsid(0)}.json" if folder else None


def history(index: str) -> list[Answer]:
    """The answers given earlier in this terminal session from `index` (a location as
    given or defaulted), oldest first; [] when there are none, or none readable."""
    path = _file()
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path else None
        if not isinstance(kept, dict) or kept.get("index") != index:
            return []
        return [Answer.from_dict(item) for item in kept.get("answers", [])][-LOOKBACK:]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def keep(index: str, answers: Sequence[Answer]) -> None:
    """Remember the newest answers of this session for the next command; a failure to
    write only costs the next follow-up its context."""
    path = _file()
    if path is None:
        return
    value = {"index": index, "answers": [a.to_dict() for a in answers[-LOOKBACK:]]}
    with contextlib.suppress(OSError):
        fresh = path.with_suffix(".tmp")
        fresh.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        fresh.replace(path)
        _sweep(path.parent)


def forget() -> None:
    """Start this session's conversation over."""
    path = _file()
    if path is not None:
        path.unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Remove the files of sessions whose leading process has ended."""
    for path in folder.glob("session-*.json"):
        try:
            os.kill(int(path.stem.removeprefix("session-")), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except (ValueError, OSError):     # not a session's file, or not ours to check
            continue
