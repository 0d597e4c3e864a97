"""Every error a person must act on, for both kinds of index (a folder, a PostgreSQL database).

Each message says what went wrong and what to do; the command lines and the page print it
as one `error:` line, never a traceback. They are all here, so that a caller can see in
one place what it may have to catch: `ActionNeeded` and its kinds (damage, a permission
this user lacks, a repair that would lose articles), `IndexLocked` (with
`IndexBusy`) when another writer is at work, `WorkersFailed` when embedding workers die.
Exceptions that never leave the package (a file that cannot be read becomes a skipped
line, not an error) stay beside the code that raises and catches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.results import Problem


class ActionNeeded(Exception):
    """Base for errors a person must act on: the index is missing, damaged, unreachable or
    built otherwise than asked. The message says what to do."""


class EmbedderMismatch(ActionNeeded):
    """The index was built with another embedder: its vectors would answer with garbage."""


class DiskFull(ActionNeeded):
    """A write ran out of space; it was rolled back and its temporary files removed."""


class PermissionDenied(ActionNeeded):
    """This user may not read (or, for a write, write) a file or the folder of an index.
    Not damage: nothing is wrong with the files, and `repair` would only make it worse,
    so the message names the file and the permission it needs, and no repair."""


class RepairWouldLose(ActionNeeded):
    """A repair would leave fewer articles than the index holds, or cannot tell how many it
    held: it stops before changing anything unless told to accept the loss."""


class IndexDamaged(ActionNeeded):
    """Files of an index folder are missing, unreadable or disagree: nothing is written to it
    until `repair` (the command the message names) has rebuilt it. `problems` lists what
    `check` found."""

    def __init__(self, where: object, problems: Sequence[Problem], cause: str = "",
                 repair: str = "python -m index repair") -> None:
        self.problems = tuple(problems)
        found = [p.summary() for p in self.problems[:4]] or [cause]
        more = f"; and {len(self.problems) - 4} more" if len(self.problems) > 4 else ""
        super().__init__(f"index {where} is damaged: {'; '.join(found)}{more}. Nothing was "
                         f"written to it; run `{repair}` to rebuild it from "
                         f"what remains (damaged files are moved aside, not deleted)")


class IndexLocked(Exception):
    """Another process is writing to the index folder; the message names it. Not an
    `ActionNeeded`: waiting is the remedy, and whoever can wait (the watcher) retries."""


class IndexBusy(IndexLocked):
    """Another writer held the articles this write needs for longer than it would wait: a
    kind of IndexLocked, so whoever retries a locked folder (the watcher) retries this too."""


class WorkersFailed(Exception):
    """The embedding workers could not be started or one died; nothing was written."""
