"""Segments: each write's chunk vectors and BM25 postings, saved once and merged as they pile up.

A write never rewrites what the index already holds. It saves one segment with
only its new chunks (`vectors.<n>.faiss`, `lexical.<n>.npz`) and tombstones the
chunks it replaces or removes in SQLite; readers mask tombstoned chunks out of
the segments they have loaded. So adding one article costs the same at 1k chunks
as at 100k.

Small segments merge like a binary counter: a segment absorbs newer ones once
they add up to its size, which keeps O(log n) segments and rewrites each chunk
O(log n) times. Merges stop at MERGE_CAP chunks, so no single add pays for a
large rewrite; `FolderIndex.compact()` folds everything into one segment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import faiss
import numpy as np

from index.folder.postings import Postings

MERGE_CAP = 16_384


def files(folder: Path, number: int) -> tuple[Path, Path]:
    return folder / f"vectors.{number}.faiss", folder / f"lexical.{number}.npz"


def number_of(path: Path) -> int | None:
    """The segment a file of the folder belongs to (its temporary file too), or None."""
    parts = path.name.split(".")
    if len(parts) in (3, 4) and parts[3:] in ([], ["tmp"]) and \
            parts[0] in ("vectors", "lexical") and parts[1].isdigit():
        return int(parts[1])
    return None


def free_number(folder: Path, at_least: int) -> int:
    """The first segment number from `at_least` that no file of the folder uses: a new
    segment never replaces a file already there, even one whose database is missing."""
    taken = {number_of(f) for f in folder.iterdir()}
    number = at_least
    while number in taken:
        number += 1
    return number


@contextmanager
def one_search_thread() -> Iterator[None]:
    """One question is too small to share between OpenMP threads: on two cores flat search
    over 100k chunks took 13.8 ms with FAISS's two threads and 7.0 ms with one. The
    setting is per calling thread, so a build running beside the search keeps its threads."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def merge_count(sizes: Sequence[int]) -> int:
    """How many of the newest segments (sizes oldest first) to fold into one."""
    count, total = 1, sizes[-1]
    while (count < len(sizes) and sizes[-count - 1] <= total
           and sizes[-count - 1] + total <= MERGE_CAP):
        total += sizes[-count - 1]
        count += 1
    return count


@dataclass
class Segment:
    """Exact (flat, inner product) search over unit vectors, plus the same chunks' postings.

    Flat search at 100k chunks takes about 6 ms of one core; see BENCHMARKS.md for
    where an approximate index would start to pay.
    """

    number: int
    vectors: faiss.IndexIDMap2
    postings: Postings

    @classmethod
    def create(cls, number: int, ids: np.ndarray, vectors: np.ndarray,
               rows: Iterable[tuple[int, Sequence[str]]]) -> Segment:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                           np.asarray(ids, dtype=np.int64))
        return cls(number, index, Postings.from_terms(rows))

    @classmethod
    def merged(cls, number: int, parts: Sequence[Segment]) -> Segment:
        """The live chunks of the parts as one segment."""
        ids, vectors = zip(*(part.live_vectors() for part in parts), strict=True)
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(parts[0].vectors.d))
        index.add_with_ids(np.vstack(vectors), np.concatenate(ids))
        return cls(number, index, Postings.merged([part.postings for part in parts]))

    @classmethod
    def load(cls, folder: Path, number: int) -> Segment:
        vectors_file, lexical_file = files(folder, number)
        return cls(number, faiss.read_index(str(vectors_file)), Postings.load(lexical_file))

    def save(self, folder: Path) -> None:
        """Both files are complete on disk before the SQLite commit that names them."""
        vectors_file, lexical_file = files(folder, self.number)
        write_atomically(vectors_file, faiss.serialize_index(self.vectors).tobytes())
        write_atomically(lexical_file, self.postings.save)

    @property
    def size(self) -> int:
        return int(self.vectors.ntotal)

    def live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.size:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.vectors.d), dtype=np.float32)
        flat = faiss.downcast_index(self.vectors.index)
        matrix = faiss.rev_swig_ptr(flat.get_xb(), self.size * flat.d).reshape(self.size, flat.d)
        return faiss.vector_to_array(self.vectors.id_map), matrix.copy()

    def drop(self, dead: Iterable[int]) -> None:
        """Mask tombstoned chunks; ids this segment doesn't hold are ignored."""
        dead = np.fromiter(dead, dtype=np.int64)
        if len(dead):
            self.vectors.remove_ids(dead)
            self.postings.drop(dead)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not self.size:
            return []
        scores, ids = self.vectors.search(vector, min(k, self.size))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def write_atomically(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` (bytes, or a function that writes to a handle) to `path` whole or not at
    all. A write that fails, a full disk most often, leaves no temporary file behind and
    names the file it was writing, so the error can say what was not written."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        if error.filename is None:
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
