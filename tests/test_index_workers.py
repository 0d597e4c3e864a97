"""Embedding spread over workers: a Ray actor pool or spawned processes must build the index
one process builds, and still skip a bad article alone. Real model, real Ray, real processes.

Ray starts one local cluster for the whole session (about 5 s); the command-line test joins
it through RAY_ADDRESS, which is how a build reaches a real cluster.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index import Article, Index, Skipped, read_paths
from index.cli import main
from index.ingest.workers import embed_articles, pool_kind
from index.model.embedder import DEFAULT_MODEL

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QUERIES = ("Who is the Prime Minister of Japan?", "trade talks and tariffs", "election results")
# A lone surrogate cannot be encoded as UTF-8: tiktoken refuses it, as it would in any process.
BAD = Article("broken", "The minister \ud800 spoke on Tuesday. Talks went on late into the night.")
# Vectors of a text batched with other texts move in the 4th decimal (padding changes the
# bfloat16 rounding); the same text alone gives the same vector.
VECTOR_TOLERANCE = 2e-3


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """A local Ray cluster for the session, with the two CPUs the workers share."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level=logging.ERROR)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def seeds_articles() -> list[Article]:
    articles, skipped = read_paths([SEEDS])
    assert len(articles) == 3 and not skipped
    return articles


@pytest.fixture(scope="module")
def one_worker(seeds_articles, embedder):
    """The seeds and the bad article embedded in this process, as a build with 1 worker does."""
    return embed_articles(DEFAULT_MODEL, [*seeds_articles, BAD], 7, None, workers=1)


def test_the_pool_is_ray_when_installed_and_processes_without_it() -> None:
    assert pool_kind(1) == pool_kind(1, use_ray=True) == "in-process"
    assert pool_kind(2) == pool_kind(2, use_ray=True) == "ray"  # ray is in the test extra
    assert pool_kind(2, use_ray=False) == "processes"


@pytest.mark.slow
def test_processes_embed_what_one_process_does_and_skip_a_bad_article_alone(
        one_worker, seeds_articles) -> None:
    """The path taken where Ray is not installed, forced here. Ray actors run the same
    `embed_group` on the same groups; the command-line test below checks them."""
    seen: list[tuple[int, int]] = []
    spread = embed_articles(DEFAULT_MODEL, [seeds_articles[0], BAD, *seeds_articles[1:]], 7,
                            lambda done, total: seen.append((done, total)), workers=2,
                            use_ray=False)
    assert (spread.workers, spread.pool) == (2, "processes")
    (skipped,) = spread.skipped
    assert skipped == Skipped("broken", skipped.reason)
    assert skipped.reason.startswith("`broken` could not be split into sentences and chunks: "
                                     "UnicodeEncodeError")
    assert one_worker.skipped == spread.skipped
    # Progress counts articles, in order, up to all of them.
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    assert len(spread.rows) == len(one_worker.rows) == 3
    for mine, theirs in zip(spread.rows, one_worker.rows, strict=True):
        (article, chunks, sentences, sentence_vectors, entities, chunk_vectors) = mine
        assert article == theirs[0]
        assert chunks == theirs[1]  # same offsets and the same ids, from 7 on, consecutive
        assert (sentences, entities) == (theirs[2], theirs[4])
        np.testing.assert_allclose(chunk_vectors, theirs[5], atol=VECTOR_TOLERANCE)
        np.testing.assert_allclose(sentence_vectors, theirs[3], atol=VECTOR_TOLERANCE)
    ids = [c.chunk_id for row in spread.rows for c in row[1]]
    assert ids == list(range(7, 7 + len(ids)))


SUMMARY_BY_RAY = re.compile(r"^\S+: 3 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; "
                            r"(\d+) chunks embedded in \d+\.\ds by 2 workers \(Ray\)$")


@pytest.mark.slow
def test_cli_build_with_two_ray_workers_equals_the_build_with_one(
        ray_address, seeds_build, seeds_index, tmp_path, run_cli, embedder) -> None:
    folder = tmp_path / "index"
    done = run_cli("build", str(SEEDS), "--index", str(folder), "--workers", "2",
                   RAY_ADDRESS=ray_address)
    assert done.returncode == 0, done.stderr
    match = SUMMARY_BY_RAY.match(done.stdout.splitlines()[-1])
    assert match, done.stdout
    assert int(match.group(1)) == seeds_build.report.chunks_embedded
    assert "Traceback" not in done.stderr

    spread = Index.open(folder)
    assert spread.documents() == [
        {**row, "indexed_at": spread_row["indexed_at"]}
        for row, spread_row in zip(seeds_index.documents(), spread.documents(), strict=True)]
    ids = list(range(1, seeds_build.report.chunks_embedded + 1))
    assert spread.chunks(ids) == seeds_index.chunks(ids)
    for query in QUERIES:
        vector = embedder.encode([query])[0]
        mine, theirs = dict(spread.dense_search(vector, 100)), dict(seeds_index.dense_search(vector, 100))
        assert mine.keys() == theirs.keys() == set(ids)
        assert [mine[i] for i in ids] == pytest.approx([theirs[i] for i in ids], abs=VECTOR_TOLERANCE)
        assert spread.lexical_search(query, 100) == seeds_index.lexical_search(query, 100)
    for mine, theirs in zip(spread.passages(ids), seeds_index.passages(ids), strict=True):
        assert (mine.sentences, mine.entities) == (theirs.sentences, theirs.entities)
        np.testing.assert_allclose(mine.sentence_vectors, theirs.sentence_vectors,
                                   atol=VECTOR_TOLERANCE)


@pytest.mark.parametrize("count", ["0", "two"])
def test_a_bad_worker_count_is_one_line(count, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["build", str(SEEDS), "--workers", count])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f"argument --workers: '{count}' is not a number of workers (1 or more)")


def test_an_unreachable_ray_cluster_is_one_line_and_nothing_is_written(
        seeds_copy, tmp_path, run_cli, article_text) -> None:
    for name in ("one", "two"):  # two articles: two groups, so two workers are started
        (tmp_path / f"{name}.txt").write_text(article_text(f"unreached{name}"))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    done = run_cli("add", str(tmp_path / "one.txt"), str(tmp_path / "two.txt"), "--index",
                   str(seeds_copy), "--workers", "2", "--quiet", RAY_ADDRESS=address, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: could not connect to the Ray cluster at "
                                   f"RAY_ADDRESS={address}: Connection refused")
    assert len(Index.open(seeds_copy).documents()) == 3
