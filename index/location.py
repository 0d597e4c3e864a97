"""Where an index lives: a folder, or a PostgreSQL database named by a `postgresql://` URI.

Every place that takes an index (`--index`, NEWSQA_INDEX, `ask(index=...)`, the page)
takes either; this module tells them apart and shows a URI without its password, so
that no status line, error or log ever prints one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")
# Query parameters of a URI that are secrets (libpq's names).
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})
MASK = "***"
DEFAULT_SCHEMA = "newsqa"


def is_postgres(location: object) -> bool:
    """Whether `location` names a PostgreSQL database rather than a folder."""
    return isinstance(location, str) and location.strip().lower().startswith(SCHEMES)


def masked(location: object) -> str:
    """The location as it may be shown: a URI's password (in the user part or a query
    parameter) replaced by ***; a folder as it is."""
    text = str(location)
    if not is_postgres(text):
        return text
    try:
        parts = urlsplit(text.strip())
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            name, colon, password = user.partition(":")
            netloc = f"{name}:{MASK}@{host}" if colon and password else f"{name}@{host}"
        query = urlencode([(k, MASK if k.lower() in _SECRET_PARAMETERS else v)
                           for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="/*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        # Unparseable (a bad port, say): keep only the scheme and what follows the last @.
        return re.sub(r"//.*@", f"//{MASK}@", text.split("?", 1)[0])


def default_location() -> str | Path:
    """NEWSQA_INDEX if set (a folder or a URI), else ~/.local/share/newsqa/index
    (XDG_DATA_HOME respected)."""
    configured = os.environ.get("NEWSQA_INDEX")
    if configured:
        return configured.strip() if is_postgres(configured) else Path(configured).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "newsqa" / "index"


def split_schema(uri: str) -> tuple[str, str]:
    """(the URI for libpq, the schema the index's tables live in): `?schema=NAME` picks
    one (several indexes in one database), else `newsqa`. libpq itself knows no such
    parameter, so it is taken out here."""
    parts = urlsplit(uri.strip())
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "") or DEFAULT_SCHEMA
    rest = urlencode([(k, v) for k, v in query if k != "schema"], safe="/")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema
