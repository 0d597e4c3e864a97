"""Article ids made from names: of files, records, uploads and links.

One rule for every id, whether it comes from a file in a folder, a file named
on the command line, a page upload or a record's own `id` field: the name is
kept as written (NFC), letters of every script included, so `日本.txt` and
`中国.txt` stay two articles. Only what could break a message or be read as
another path is replaced: control and format characters (a newline, an escape
sequence, a right-to-left override) and backslashes become `_`, and `/`
separates folders only, never starts or ends an id.

When two articles claim one id, `index.ingest.claims` settles which keeps it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from index.display import is_control

FALLBACK_ID = "article"


def _unsafe(char: str) -> bool:
    return char == "\\" or is_control(char)


def clean_part(name: str) -> str:
    """One path component or record id, safe to show and to store; may be empty."""
    text = unicodedata.normalize("NFC", name)
    text = re.sub(r"_+", "_", "".join("_" if _unsafe(c) else c for c in text))
    # No leading dot: `..` is never a step up, and no id is a hidden file's name.
    return " ".join(text.split()).lstrip(".").strip("_ ")


def clean_id(name: str) -> str:
    """An id from any name: each `/`-separated part cleaned, empty parts dropped."""
    parts = [part for part in (clean_part(p) for p in name.split("/")) if part]
    return "/".join(parts) or FALLBACK_ID


def doc_id_for(path: Path, root: Path | None) -> str:
    """The path relative to the folder it was found in (else its name), without extension."""
    relative = path.relative_to(root) if root else Path(path.name)
    return clean_id(relative.with_suffix("").as_posix())


def numbered(doc_id: str, n: int) -> str:
    """The id an article is kept apart under when `doc_id` belongs to another: `id-2`, ..."""
    return f"{doc_id}-{n}"


def url_id(url: str) -> str:
    """The id of a page fetched from `url`: host and path, as a file's id is its path
    (`https://www.example.com/world/talks.html?ref=x` -> `example.com/world/talks`)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = PurePosixPath(unquote(parts.path))
    if path.suffix.lower() in (".html", ".htm", ".pdf", ".php", ".asp", ".aspx"):
        path = path.with_suffix("")
    return clean_id(f"{host}/{path.as_posix()}")
