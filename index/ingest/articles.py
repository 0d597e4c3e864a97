"""Turning files into articles, or into a clear reason why a file was not read.

Every character offset the project reports points into `Article.text`, so the
text of a plain-text file is kept exactly as the file has it except for one
normalisation: `\\r\\n` becomes `\\n`. A web page's text is its story as trafilatura
extracts it, a PDF's its text layer page by page, and a Markdown file's what follows
its front matter (`index.ingest.formats`); offsets point into that stored text, never into
the file. Title, outlet, author, publication date and URL are read from metadata
(page tags, JSON fields, front matter) first; title and date are guessed from the text
only when metadata is missing.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from index.display import shown
from index.ingest.formats import (
    Extracted,
    Unreadable,
    front_matter,
    page_charset,
    read_html,
    read_pdf,
)
from index.ingest.ids import clean_id, doc_id_for

SUPPORTED_SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".pdf")
MAX_FILE_BYTES = 20 * 1024 * 1024
TITLE_MAX_CHARS = 140
REASON_MAX_CHARS = 200
# A text file may hold stray NULs (and other control bytes) up to this share of its bytes.
MAX_NUL_SHARE = 0.01
# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))

_DATELINE = re.compile(r"^\s*(?:date[:\s]+)?(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    """One news article as stored: the text every offset refers to, plus metadata.

    `date` is the publication date as the source gives it (ISO, `2025-11-18` or a full
    timestamp) and `source` the outlet; `published` and `outlet` are the same fields under
    the names a reader of news uses. `pages`: for a PDF, the offset in `text` where each
    page starts; `extracted_by`: which extractor made the text of a web page or PDF.
    """

    doc_id: str
    text: str
    title: str = ""
    date: str = ""
    url: str = ""
    source: str = ""
    path: str = ""  # absolute: re-reading the same file is an update, another file a clash
    author: str = ""
    pages: tuple[int, ...] = ()
    extracted_by: str = ""

    @property
    def published(self) -> str:
        return self.date

    @property
    def outlet(self) -> str:
        return self.source

    def page_of(self, offset: int) -> int | None:
        """The page (from 1) that holds character `offset`, for a PDF; None otherwise."""
        if not self.pages or not 0 <= offset <= len(self.text):
            return None
        return bisect.bisect_right(self.pages, offset)

    @property
    def extra(self) -> dict:
        """The metadata added since the first index format, stored as one JSON column."""
        values = {"author": self.author, "pages": list(self.pages),
                  "extracted_by": self.extracted_by}
        return {key: value for key, value in values.items() if value}

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a reader could see changes, so rebuilds can skip the rest.
        An article without the newer metadata hashes as before, so existing indexes do not
        embed every article again."""
        fields = [self.text, self.title, self.date, self.url, self.source]
        payload = json.dumps([*fields, self.extra] if self.extra else fields)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        return {**asdict(self), "pages": list(self.pages), "published": self.published,
                "outlet": self.outlet}


@dataclass(frozen=True)
class Skipped:
    """A file (or one record in it) that was not indexed, and why, in words a person can act on."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return f"{shown(self.path)}: {self.reason}"


def reason_of(error: BaseException) -> str:
    """Any exception as one short line a person can read: a file's reason for being skipped."""
    if isinstance(error, RecursionError):
        return "nested too deeply to read"
    text = " ".join(str(error).split()) or "no message"
    if len(text) > REASON_MAX_CHARS:
        text = text[:REASON_MAX_CHARS - 1] + "…"
    return f"{type(error).__name__}: {text}"


def normalise_text(text: str) -> str:
    return text.replace("\r\n", "\n")


def guess_date(text: str) -> str:
    """An ISO dateline at the very start of a story ("date 2025-11-17 TOKYO: ...")."""
    match = _DATELINE.match(text)
    return match.group(1) if match else ""


def guess_title(text: str) -> str:
    """The first line, cut to its first sentence when the line is a whole paragraph."""
    body = _DATELINE.sub("", text, count=1).strip()
    first_line = body.split("\n", 1)[0].strip()
    if len(first_line) <= TITLE_MAX_CHARS:
        return first_line
    sentence = re.split(r"(?<=[.!?])\s", first_line, maxsplit=1)[0]
    if len(sentence) <= TITLE_MAX_CHARS:
        return sentence
    return sentence[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _first(meta: dict, *keys: str) -> str:
    """The first of `keys` that `meta` has a value for, as text (a list of authors joined)."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        if value:
            return " ".join(str(value).split())
    return ""


def make_article(doc_id: str, text: str, path: str, meta: dict | None = None,
                 pages: tuple[int, ...] = (), extracted_by: str = "") -> Article:
    """An article from text and whatever metadata came with it, under any of the names
    sources use: `published` or `date`, `outlet`, `source` or `sitename`, `url` or `link`.
    `created` (when a PDF file was made) dates the article only when nothing else does: a
    dateline printed in the story says when it was published, the file only when it was
    saved."""
    meta = meta or {}
    text = normalise_text(text)
    if not text.strip():
        raise Unreadable("empty: no text after removing whitespace")
    return Article(
        doc_id=doc_id,
        text=text,
        title=_first(meta, "title", "headline") or guess_title(text),
        date=_first(meta, "published", "date") or guess_date(text) or _first(meta, "created"),
        url=_first(meta, "url", "link"),
        source=_first(meta, "outlet", "source", "sitename"),
        path=path,
        author=_first(meta, "author", "byline"),
        pages=pages,
        extracted_by=extracted_by,
    )


def from_extracted(doc_id: str, extracted: Extracted, path: str) -> Article:
    return make_article(doc_id, extracted.text, path, extracted.meta, extracted.pages,
                        extracted.extracted_by)


def _decode(raw: bytes, declared: Callable[[bytes], str] | None = None) -> str:
    """UTF-8, or UTF-16/32 when a byte-order mark says so (what Windows editors save);
    else, for a web page, the charset it declares (`declared`): Shift_JIS, GB2312...
    A stray NUL among ordinary text is dropped (`_without_stray_nuls`)."""
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is None:
        raw = _without_stray_nuls(raw)
    try:
        return raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        if declared and encoding is None:
            return declared(raw)
        raise Unreadable(f"not valid {(encoding or 'utf-8').upper().removesuffix('-SIG')} "
                          f"(byte {exc.start}: {raw[exc.start:exc.start + 1]!r})") from None


def _without_stray_nuls(raw: bytes) -> bytes:
    """`raw` without its NUL bytes when they are strays in text (a bad copy or export leaves
    one here and there: 17 of RAMDocs' 2,766 documents), judged by the content: at most
    MAX_NUL_SHARE of the bytes, and the rest text, nearly all of it printable. Anything
    else with a NUL (an image, an archive, UTF-16 without its mark) is a binary file."""
    nuls = raw.count(b"\x00")
    if not nuls:
        return raw
    rest = raw.replace(b"\x00", b"")
    try:
        text = rest.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
    if nuls > MAX_NUL_SHARE * len(raw) or not text.strip() or controls > MAX_NUL_SHARE * len(text):
        raise Unreadable("binary file (contains NUL bytes)")
    return rest


def _records(text: str, suffix: str) -> Iterator[tuple[int, object]]:
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Unreadable(f"malformed JSON: {exc.msg} at line {exc.lineno}") from None
        items = data if isinstance(data, list) else [data]
        yield from enumerate(items, start=1)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, Unreadable(f"malformed JSON on line {number}: {exc.msg}")


def _read_json(path: Path, doc_id: str, text: str) -> Iterator[Article | Skipped]:
    records = list(_records(text, path.suffix.lower()))
    single = len(records) == 1
    for number, record in records:
        where = str(path) if single else f"{path}:{number}"
        if isinstance(record, Unreadable):
            yield Skipped(where, str(record))
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield Skipped(where, 'record is not an object with a string "text" field')
            continue
        record_id = clean_id(str(record.get("id") or (doc_id if single else f"{doc_id}:{number}")))
        try:
            yield make_article(record_id, record["text"], os.path.abspath(path), record)
        except Unreadable as exc:
            yield Skipped(where, str(exc))


def read_content(raw: bytes, suffix: str, doc_id: str, path: str, where: str,
                 url: str = "", charset: str = "") -> list[Article | Skipped]:
    """The articles in a file's bytes, read as `suffix` says. `path`: stored with each
    article; `where`: named in skip reasons; `url`: where the bytes were fetched from;
    `charset`: the one the server named for a web page, if any."""
    if suffix == ".pdf":
        return [from_extracted(doc_id, read_pdf(raw, url), path)]
    if suffix in (".html", ".htm"):
        markup = _decode(raw, lambda undecoded: page_charset(undecoded, charset))
        return [from_extracted(doc_id, read_html(markup, url), path)]
    text = _decode(raw)
    if suffix in (".json", ".jsonl"):
        return list(_read_json(Path(where), doc_id, text))
    if suffix == ".md":
        return [from_extracted(doc_id, front_matter(normalise_text(text)), path)]
    return [make_article(doc_id, text, path)]


def guarded(where: str, read: Callable[[], list[Article | Skipped]]) -> list[Article | Skipped]:
    """`read()`, or a single `Skipped` for `where` whatever went wrong (a RecursionError
    from JSON nested thousands deep included): one bad file must never stop the others."""
    try:
        return read()
    except Unreadable as exc:
        return [Skipped(where, str(exc))]
    except OSError as exc:
        return [Skipped(where, f"cannot read: {exc.strerror or exc}")]
    except Exception as exc:  # any parser failure is this file's reason
        return [Skipped(where, reason_of(exc))]


def read_file(path: Path, doc_id: str, max_bytes: int = MAX_FILE_BYTES) -> list[Article | Skipped]:
    """Articles in one file; a file that cannot be read yields a single `Skipped`."""
    def read() -> list[Article | Skipped]:
        suffix = path.suffix.lower()
        if path.is_dir():
            raise Unreadable("a folder, not a file")
        if suffix not in SUPPORTED_SUFFIXES:
            raise Unreadable(
                f"unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED_SUFFIXES)}"
            )
        size = path.stat().st_size
        if size == 0:
            raise Unreadable("empty file")
        if size > max_bytes:
            raise Unreadable(f"too large: {size / 2**20:.1f} MB (limit {max_bytes / 2**20:.0f} MB)")
        return read_content(path.read_bytes(), suffix, doc_id, os.path.abspath(path), str(path))

    return guarded(str(path), read)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _walk(folder: Path) -> Iterator[Path | Skipped]:
    """Files under `folder`, sorted, hidden ones left out. Links are followed only to files
    inside the folder: a link to `/etc/passwd` dropped into it is not read."""
    real_folder = folder.resolve()
    found: list[Path | Skipped] = []
    for top, dirs, files in os.walk(folder, onerror=lambda e: found.append(
            Skipped(e.filename or str(folder), f"cannot read: {e.strerror or e}"))):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(top, d)))]:
            path = Path(top, name)
            if name.startswith("."):
                continue
            if not path.is_symlink():
                found.append(path)
            elif not path.exists():
                found.append(Skipped(str(path), "broken link: its target does not exist"))
            elif not _inside(path.resolve(), real_folder):
                found.append(Skipped(str(path), f"link to {shown(path.resolve())}, outside "
                                                f"{shown(folder)}: not followed"))
            elif path.is_dir():
                found.append(Skipped(str(path), "link to a folder: not followed (give the "
                                                "folder itself)"))
            else:
                found.append(path)
    yield from sorted(found, key=lambda item: str(item.path if isinstance(item, Skipped) else item))


def iter_files(paths: Iterable[str | Path],
               root: Path | None = None) -> Iterator[tuple[Path, Path | None] | Skipped]:
    """Each file with the folder its id is relative to: the folder it was found in, else
    `root`, else none (a file named directly is known by its name). A folder is always
    walked as a folder, whatever its name (`dir.txt/` too)."""
    for given in map(Path, paths):
        if given.is_dir():
            yield from (item if isinstance(item, Skipped) else (item, given)
                        for item in _walk(given))
        elif given.exists() or given.is_symlink():
            yield given, root
        else:
            yield Skipped(str(given), "no such file or folder")


def read_paths(paths: Iterable[str | Path], root: Path | None = None,
               max_bytes: int = MAX_FILE_BYTES) -> tuple[list[Article], list[Skipped]]:
    """Every article under the given files and folders, in order, each with the id its name
    gives it: two may want one id, and the index decides (`index.ingest.claims`)."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for found in iter_files(paths, root):
        if isinstance(found, Skipped):
            skipped.append(found)
            continue
        path, base = found
        for item in read_file(path, doc_id_for(path, base), max_bytes):
            (skipped if isinstance(item, Skipped) else articles).append(item)
    return articles, skipped
