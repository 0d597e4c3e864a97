"""Where an index lives, and the one door in: a folder, or a database named by a `postgresql://` URI.

Every place that takes an index (`--index`, NEWSQA_INDEX, `ask(index=...)`, the page)
takes either. `kind_of` is the one place the kind is decided, as txtai's ann factory
turns a configuration into a backend: `open_index` (which is `Index.open`), the
command line's `check` and `repair` all go through it, and nothing after it asks
again. The store classes are imported only when a location of their kind is opened,
so a folder never imports the PostgreSQL driver. `masked` shows a URI without its
password, so that no status line, error or log ever prints one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.store import Index, Store

SCHEMES = ("postgresql://", "postgres://")
# The values of a URI's query parameters that are secrets (libpq's names).
_SECRET_VALUES = re.compile(r"([?&](?:password|sslpassword)=)[^&#]*", re.IGNORECASE)
MASK = "***"
_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = _ROOT / "seeds"
# The default index inside a source checkout, beside the code that made it: the page
# (`make run`), `python -m qa`, `python -m index` and `ask()` all open this one.
CHECKOUT_INDEX = Path(".index") / "newsqa"


def _checkout() -> Path | None:
    """The source checkout this code runs from (its pyproject.toml and seeds/ beside the
    packages), or None when it runs from an installed package (site-packages has neither)."""
    return _ROOT if (_ROOT / "pyproject.toml").is_file() and SEEDS_DIR.is_dir() else None


# Decided once; tests set it to None to see what an installed package does.
CHECKOUT: Path | None = _checkout()


def is_postgres(location: object) -> bool:
    """Whether `location` names a PostgreSQL database rather than a folder."""
    return isinstance(location, str) and location.strip().lower().startswith(SCHEMES)


def masked(location: object) -> str:
    """The location as it may be shown: a URI's password (in the user part or a query
    parameter) replaced by ***, and nothing else changed; a folder as it is. The URI is
    not taken apart and put together again: that turns `postgresql:///news` (no host:
    libpq's default socket) into `postgresql:/news`, which is not the URI given."""
    text = str(location)
    if not is_postgres(text):
        return text
    scheme, _, rest = text.strip().partition("://")
    end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    netloc, tail = rest[:end], rest[end:]
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        name, colon, password = user.partition(":")
        netloc = f"{name}:{MASK}@{host}" if colon and password else f"{name}@{host}"
    return f"{scheme}://{netloc}{_SECRET_VALUES.sub(lambda m: m.group(1) + MASK, tail)}"


def default_index_dir() -> str | Path:
    """The one index every command, the page and `ask()` use unless told otherwise:
    NEWSQA_INDEX if set (a folder or a URI); else, in a source checkout, `.index/newsqa`
    in it, so that the page and a command typed in the checkout share one index whatever
    the current folder; else (an installed package) ~/.local/share/newsqa/index
    (XDG_DATA_HOME respected). Show it with `masked`."""
    configured = os.environ.get("NEWSQA_INDEX")
    if configured:
        return configured.strip() if is_postgres(configured) else Path(configured).expanduser()
    if CHECKOUT is not None:
        return CHECKOUT / CHECKOUT_INDEX
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "newsqa" / "index"


def default_shown() -> str:
    """The default index as help texts name it: the location itself (a URI masked), and
    where it came from when the environment chose it."""
    where = masked(default_index_dir())
    return f"{where}, from $NEWSQA_INDEX" if os.environ.get("NEWSQA_INDEX") else where


def kind_of(location: str | Path) -> type[Store]:
    """The store class for `location`: the one place where the kind is chosen."""
    if is_postgres(location):
        from index.postgres.store import PostgresIndex

        return PostgresIndex
    from index.folder.store import FolderIndex

    return FolderIndex


def open_index(location: str | Path | None = None, embedder: str | None = None,
               create: bool = True) -> Index:
    """`Index.open`: the index at `location`, default `default_index_dir()`."""
    where = location or default_index_dir()
    return kind_of(where).open(where, embedder, create)


def open_default(location: str | Path | None = None,
                 log: Callable[[str], None] | None = None) -> Index:
    """The index a question is asked of. Only the default folder, the first time it is
    used, is built from the seeds; a folder or database named by `location` or
    NEWSQA_INDEX must already hold an index (a typo must not become a new index), and
    nothing here writes to one that exists, even when all its articles were removed."""
    if location or os.environ.get("NEWSQA_INDEX"):
        return open_index(location, create=False)
    from index.folder.store import FolderIndex  # the default location is always a folder

    folder = Path(default_index_dir())
    if FolderIndex.holds_index(folder) or not SEEDS_DIR.is_dir():
        return FolderIndex.open(folder)
    index = FolderIndex.open(folder)
    if log:
        log(f"index {index.path} is new; adding the articles in {SEEDS_DIR}")
    report = index.add([SEEDS_DIR])
    if log:
        log(report.headline())
    return index
