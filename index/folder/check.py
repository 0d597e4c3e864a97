"""What is wrong with an index folder, file by file, found without writing a byte.

Like Lucene's CheckIndex and SQLite's `PRAGMA integrity_check`: every file the
index is made of is read and checked against the others, and each problem names
its file. `FolderIndex.open` runs this when its own cheaper checks fail, so the one
message a person sees lists everything, not the first symptom; `python -m index
check` runs it on demand. Mending is `index.folder.repair`'s job, and only on request.
What it finds is the same `Findings` a PostgreSQL index gives (`index.results`), with
this kind's own line on what to do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np

from index.display import counted, one_line
from index.folder import sqlite
from index.folder.postings import Postings
from index.folder.segments import Segment, files, number_of
from index.results import Findings, Problem

T = TypeVar("T")

MANIFEST = "manifest.json"
DATABASE = "index.sqlite"
MANIFEST_KEYS = ("schema", "embedder", "dimension", "tokenizer")


def repair_command(folder: Path) -> str:
    return f"python -m index repair --index {folder}"


def holds_index(folder: Path) -> bool:
    """Whether any file of an index is there: such a folder is never made a new index."""
    return folder.is_dir() and any(
        f.name in (MANIFEST, DATABASE) or number_of(f) is not None for f in folder.iterdir())


def read_manifest(folder: Path) -> dict:
    """The manifest, or ValueError saying what is wrong with it."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError("missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or any(k not in manifest for k in MANIFEST_KEYS):
        raise ValueError(f"lacks one of {', '.join(MANIFEST_KEYS)}")
    return manifest


def _findings(folder: Path, problems: list[Problem], documents: int = 0, chunks: int = 0,
              segments: int = 0, generation: int = 0) -> Findings:
    return Findings(str(folder), tuple(problems), documents, chunks, segments, generation,
                    kind="folder", layout=counted(segments, "segment"),
                    advice=f"`{repair_command(folder)}` rebuilds what it can")


def inspect(folder: Path, sqlite_check: str = "integrity_check") -> Findings:
    """Every problem of the index in `folder`; reads only. `sqlite_check` is
    "integrity_check" (every page and index) or the cheaper "quick_check"."""
    problems: list[Problem] = []
    try:
        manifest = read_manifest(folder)
    except ValueError as error:
        manifest = {}
        problems.append(Problem(MANIFEST, "missing" if str(error) == "missing" else "damaged",
                                f"is {one_line(str(error))}"))
    if not (folder / DATABASE).exists():
        segments = sorted({n for f in folder.iterdir() if (n := number_of(f)) is not None})
        problems.append(Problem(DATABASE, "missing",
                                f"is missing (it holds the articles and the list of segments; "
                                f"{counted(len(segments), 'segment')} remain)"))
        return _findings(folder, problems)
    try:
        db = sqlite.connect(folder / DATABASE, create=False, read_only=True)
    except sqlite3.Error as error:
        problems.append(Problem(DATABASE, "unreadable",
                                f"cannot be opened ({one_line(str(error))})"))
        return _findings(folder, problems)
    try:
        return _inspect_database(folder, db, manifest, problems, sqlite_check)
    finally:
        db.close()


def _inspect_database(folder: Path, db: sqlite3.Connection, manifest: dict,
                      problems: list[Problem], sqlite_check: str) -> Findings:
    try:
        db.execute("BEGIN")  # one snapshot: a writer committing meanwhile changes nothing here
        verdict = [row[0] for row in db.execute(f"PRAGMA {sqlite_check}")]
        if verdict != ["ok"]:
            problems.append(Problem(DATABASE, "damaged",
                                    f"is damaged ({one_line('; '.join(verdict[:3]))})"))
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        absent = [t for t in sqlite.TABLES if t not in tables]
        if absent:
            problems.append(Problem(DATABASE, "damaged",
                                    f"has no table {', '.join(absent)} (emptied or truncated)"))
            return _findings(folder, problems)
        generation = int(sqlite.get_meta(db, "generation", "0"))
        listed = [tuple(p) for p in json.loads(sqlite.get_meta(db, "segments", "[]"))]
        documents, _ = sqlite.counts(db)
        rows = np.array([r[0] for r in db.execute("SELECT chunk_id FROM chunks")], dtype=np.int64)
        dead = sqlite.dead_chunks(db)
    except (sqlite3.Error, ValueError, TypeError) as error:
        problems.append(Problem(DATABASE, "damaged", f"is damaged ({one_line(str(error))})"))
        return _findings(folder, problems)
    held = [_inspect_segment(folder, n, size, manifest, problems) for n, size in listed]
    if all(ids is not None for ids in held):
        live = np.setdiff1d(np.concatenate([np.zeros(0, np.int64), *held]), dead)
        lacking, stray = np.setdiff1d(rows, live), np.setdiff1d(live, rows)
        if len(lacking):
            docs = sqlite.documents_of(db, lacking.tolist())
            problems.append(Problem(DATABASE, "disagrees",
                                    f"has {len(lacking)} chunk(s) that no segment holds "
                                    f"(articles {', '.join(docs[:5])}"
                                    f"{', ...' if len(docs) > 5 else ''})"))
        if len(stray):
            problems.append(Problem(DATABASE, "disagrees",
                                    f"lacks the rows of {len(stray)} chunk(s) the segments hold"))
    return _findings(folder, problems, documents, len(rows), len(listed), generation)


def _read(path: Path, load: Callable[[Path], T], problems: list[Problem]) -> T | None:
    """The file as `load` reads it, or None and a problem naming it."""
    try:
        return load(path)
    # faiss raises RuntimeError, numpy's zip reader BadZipFile, ValueError, EOFError or
    # KeyError: whatever it is, the file cannot be read, and that is the finding.
    except Exception as error:
        problems.append(Problem(path.name, "unreadable",
                                f"cannot be read ({one_line(str(error) or type(error).__name__)})"))
        return None


def _inspect_segment(folder: Path, number: int, size: int, manifest: dict,
                     problems: list[Problem]) -> np.ndarray | None:
    """The chunk ids segment `number` holds, or None (and a problem) when it can't be read."""
    paths = files(folder, number)
    missing = [p.name for p in paths if not p.exists()]
    for name in missing:
        problems.append(Problem(name, "missing", f"is missing (segment {number}, listed in "
                                                 f"{DATABASE})"))
    if missing:
        return None
    vectors = _read(paths[0], lambda path: faiss.read_index(str(path)), problems)
    postings = _read(paths[1], Postings.load, problems)
    if vectors is None or postings is None:
        return None
    segment = Segment(number, vectors, postings)
    ids = np.sort(np.asarray(segment.live_vectors()[0]))
    if segment.size != size:
        problems.append(Problem(paths[0].name, "disagrees",
                                f"holds {segment.size} chunks; {DATABASE} lists {size}"))
    if manifest and segment.vectors.d != int(manifest["dimension"]):
        problems.append(Problem(paths[0].name, "disagrees",
                                f"holds {segment.vectors.d}-dimensional vectors; {MANIFEST} "
                                f"says {manifest['dimension']}"))
    if not np.array_equal(ids, np.sort(segment.postings.chunk_ids)):
        problems.append(Problem(paths[1].name, "disagrees",
                                f"holds other chunks than {paths[0].name}"))
    return ids
