"""One interface, two kinds: the same checks run against a folder and a real PostgreSQL database.

As Haystack runs one test suite against every DocumentStore: each test here takes `kind`
(through `new_location`, `seeds_at` or `seeds_of_kind`), so it runs once per kind, and
asserts only what `index.store.Index` promises, never how a kind keeps it.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index import Article, Findings, Index, Report, Status, counted
from index.location import kind_of
from index.model.embedder import Embedder
from index.store import Store

MARKER = "quokkamarker"


def _members() -> list[str]:
    """The members the Protocol declares (its own namespace, less what every class has)."""
    return sorted(name for name in vars(Index) if not name.startswith("_"))


def test_each_kind_implements_the_interface(kind: str, seeds_of_kind: tuple[Index, Report]
                                            ) -> None:
    index, _ = seeds_of_kind
    assert isinstance(index, Index) and isinstance(index, Store) and index.kind == kind
    assert type(index) is kind_of(index.path)
    members = _members()
    assert {"open", "snapshot", "dense_search", "lexical_search", "passages", "build", "add",
            "add_articles", "remove", "status", "check", "compact"} <= set(members)
    for name in members:
        declared = inspect.getattr_static(Index, name)
        implemented = inspect.getattr_static(type(index), name)
        if isinstance(declared, property):
            assert isinstance(implemented, property), name
            continue
        # Same parameters, same defaults, in the same order: a caller typed against the
        # interface may pass any of them by name to either kind.
        expected = inspect.signature(getattr(Index, name))
        found = inspect.signature(getattr(type(index), name))
        if not isinstance(declared, staticmethod):
            expected = expected.replace(parameters=list(expected.parameters.values())[1:])
            found = found.replace(parameters=list(found.parameters.values())[1:])
        if name == "open":  # the interface's door supplies the default location; a kind's needs one
            assert list(found.parameters) == list(expected.parameters)
            continue
        assert [(p.name, p.default) for p in found.parameters.values()] == [
            (p.name, p.default) for p in expected.parameters.values()], name
    for attribute in ("path", "embedder_name", "manifest", "write_wait"):
        assert hasattr(index, attribute)


def test_index_open_is_the_one_door_for_both_kinds(kind: str, seeds_at: str | Path) -> None:
    index = Index.open(seeds_at, create=False)
    assert isinstance(index, kind_of(str(seeds_at)))
    assert index.status().documents == 3 and index.status().kind == kind


def test_the_same_life_of_an_index_in_both_kinds(kind: str, new_location: Callable[[], str | Path],
                                                 tmp_path: Path, embedder: Embedder,
                                                 article_text: Callable[..., str]) -> None:
    location = new_location()
    index = Index.open(location)
    assert index.is_empty() and index.documents() == []
    assert index.status().documents == 0 and index.status().generation == 0

    # Articles made in code: ids as given, each readable back as it went in.
    one = Article("one", article_text(MARKER, sentences=6), title="One", date="2025-06-01")
    two = Article("two", article_text("wombatmarker", seed=2), source="Outlet")
    report = index.add_articles([one, two])
    assert isinstance(report, Report)
    assert (report.added, sorted(report.added_ids), report.skipped) == (2, ["one", "two"], ())
    assert not index.is_empty()
    assert index.article("one") == one and index.article("missing") is None
    rows = index.documents()
    assert [r["doc_id"] for r in rows] == ["one", "two"] and all(r["chunks"] > 0 for r in rows)

    # Search, then passages: each chunk with the sentences that overlap it (and their
    # vectors) and the entities inside it, in the order asked.
    hits = index.lexical_search(MARKER, 10)
    assert hits and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    dense = index.dense_search(embedder.encode([f"the {MARKER} story"])[0], 50)
    total = sum(r["chunks"] for r in rows)
    assert len(dense) == total and all(-1.01 <= s <= 1.01 for _, s in dense)
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
    ids = [i for i, _ in hits] + [i for i, _ in dense if i not in dict(hits)]
    with index.snapshot() as inside, inside.snapshot():  # a snapshot in a snapshot is one
        chunks = inside.chunks(ids)
        passages = inside.passages(list(reversed(ids)))
    assert [p.chunk.chunk_id for p in passages] == list(reversed(ids))
    for passage in passages:
        chunk = passage.chunk
        assert chunk == chunks[chunk.chunk_id] and passage.article == index.article(chunk.doc_id)
        assert passage.sentences and all(s.end > chunk.start and s.start < chunk.end
                                         for s in passage.sentences)
        assert passage.sentence_vectors.shape == (len(passage.sentences),
                                                  int(index.manifest["dimension"]))
        assert np.allclose(np.linalg.norm(passage.sentence_vectors, axis=1), 1, atol=0.01)
        assert all(chunk.start <= e.start and e.end <= chunk.end for e in passage.entities)
    assert index.passages([10**9]) == [] and index.chunks([10**9]) == {}

    # The same again is unchanged; another text under a taken id is kept apart.
    again = index.add_articles([one])
    assert (again.unchanged_ids, again.added, again.chunks_embedded) == (("one",), 0, 0)
    other = index.add_articles([Article("one", article_text("numbatmarker", seed=5))])
    assert other.added_ids == ("one-2",) and other.renamed[0].wanted == "one"

    # Files: a build with prune; a removal names what it could not find.
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "three.txt").write_text(article_text("dingomarker", seed=3))
    built = index.build([folder], prune=True)
    assert built.added_ids == ("three",) and sorted(built.removed_ids) == ["one", "one-2", "two"]
    gone = index.remove(["three", "never-there"])
    assert gone.removed_ids == ("three",)
    assert [(s.path, s.reason) for s in gone.skipped] == [("never-there",
                                                           "no such document in the index")]
    assert index.is_empty() and index.lexical_search("dingomarker", 3) == []

    # Status and check say the same things in both kinds, in their own words for the shape.
    status = index.status()
    assert isinstance(status, Status)
    assert (status.documents, status.chunks, status.kind) == (0, 0, kind)
    # Four writes changed something: the unchanged one made no generation.
    assert status.generation == 4 and status.embedder == index.embedder_name
    assert "layout" not in status.to_dict() and json.dumps(status.to_dict())
    layout = counted(status.segments, "segment") if kind == "folder" else "PostgreSQL"
    assert f"generation 4 ({layout})," in status.summary()
    findings = index.check()
    assert isinstance(findings, Findings) and findings.healthy and findings.ok
    assert findings.summary().startswith(f"{index.path}: healthy;")
    index.close()

    reopened = Index.open(location, create=False)
    assert reopened.status().generation == status.generation
    # Housekeeping differs by kind (a folder folds its segments, PostgreSQL vacuums) and
    # changes no article.
    assert isinstance(reopened.compact(), Report) and reopened.documents() == []


def _damage(kind: str, index: Index) -> None:
    if kind == "folder":
        next(Path(index.path).glob("lexical.*.npz")).unlink()
        return
    import psycopg

    with psycopg.connect(index._target.uri, autocommit=True) as conn:
        conn.execute("DROP INDEX newsqa.chunks_embedding")


def test_check_gives_each_kind_its_own_fix_with_the_location_as_given(kind: str,
                                                                       seeds_at: str | Path) -> None:
    """The line on what to do is the store's: a folder's repair command with its path; for
    PostgreSQL, the URI as given (not through a Path, which made `postgresql:/`), its
    password masked."""
    location = str(seeds_at)
    if kind == "postgres":
        location = location.replace("postgresql://postgres:@", "postgresql://postgres:sekrit@")
        assert "sekrit" in location
    index = Index.open(location, create=False)
    _damage(kind, index)
    findings = kind_of(location).check_at(location)
    assert not findings.healthy and not findings.ok
    last = findings.summary().splitlines()[-1]
    assert "sekrit" not in findings.summary()
    if kind == "folder":
        assert last == (f"{location}: 1 problem; `python -m index repair --index {location}` "
                        f"rebuilds what it can")
        return
    shown = location.replace(":sekrit@", ":***@")
    assert last == (f"{shown}: 1 problem; `python -m index repair --index '{shown}'` rebuilds "
                    f"them from the stored rows")
    assert not re.search(r"postgresql:/[^/]", last)
    # `repair` on PostgreSQL makes the HNSW index again from the chunks' vectors.
    repaired = kind_of(location).repair_at(location)
    assert (repaired.problems, repaired.rebuilt, repaired.unmended) == (
        findings.problems, ("index chunks_embedding",), ())
    assert kind_of(location).check_at(location).healthy
