"""Where ingest's embedding runs: in this process, in N Ray actors, or in N spawned processes.

Splitting and embedding articles is nearly all of ingest's time (about 15 chunks/s
per CPU core with MiniLM, some 700 times slower than the store writes them), so it
is the one step worth spreading. The articles are cut into groups; each worker loads
the embedder and spaCy once and runs `index.ingest.prepare.embed_group` on group after
group; the results come back in the order the groups went out, so chunk ids are
given exactly as one process gives them and the index is the same either way.

- 1 worker (the default): this process, no pool to start.
- N > 1 with Ray installed: N Ray actors, on the cluster at `RAY_ADDRESS` when set
  (its nodes need this package and its dependencies installed), else on a local
  Ray cluster started once per process (about 5 s).
- N > 1 without Ray: N processes (spawned, so no torch state is forked).

Each worker gets an equal share of the CPUs and sets torch's threads to it, so N
workers together use the cores one process would, not N times as many threads.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from index.errors import WorkersFailed
from index.ingest.articles import Article, Skipped
from index.ingest.prepare import Embedded, embed_group
from index.model.embedder import Embedder, load_embedder

# Articles per group in one process: spaCy and the embedder batch well at this size.
GROUP_MAX = 64
# With several workers, at least this many groups per worker, so that a worker that
# drew long articles does not leave the others idle at the end.
GROUPS_PER_WORKER = 4
# Seconds to wait for all Ray workers to load their models before saying why not.
READY_SECONDS = 300
# Seconds to wait for RAY_ADDRESS to take a connection.
CONNECT_SECONDS = 5

Progress = Callable[[int, int], None]
Runner = Callable[[Sequence[Sequence[Article]]], Iterator[list]]


@dataclass(frozen=True)
class Embedding:
    """What `embed_articles` gives back: rows to write, articles skipped, who did the work."""

    rows: list[tuple]        # (article, numbered chunks, sentences, their vectors, entities,
                             #  chunk vectors), in the order of the articles
    skipped: list[Skipped]
    workers: int             # 0 when there was nothing to embed
    pool: str                # "in-process", "ray" or "processes"


def ray_installed() -> bool:
    return importlib.util.find_spec("ray") is not None


def pool_kind(workers: int, use_ray: bool | None = None) -> str:
    """"in-process" for one worker; else "ray" when Ray is installed (or `use_ray` says
    so), "processes" otherwise (or when `use_ray` is False)."""
    if workers <= 1:
        return "in-process"
    return "ray" if (ray_installed() if use_ray is None else use_ray) else "processes"


def embed_articles(embedder_name: str, articles: Sequence[Article], next_id: int,
                   progress: Progress | None = None, workers: int = 1,
                   use_ray: bool | None = None) -> Embedding:
    """Every article split and embedded by `workers` workers; chunk ids from `next_id` on,
    consecutive, given only to articles that made it. Progress is counted in articles.

    Fewer workers than asked start when there are fewer groups than workers: a pool
    for one short article would cost more than it saves.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    groups = _groups(articles, workers)
    used = min(workers, len(groups))
    kind = pool_kind(used, use_ray)
    rows: list[tuple] = []
    skipped: list[Skipped] = []
    done = 0
    if progress:
        progress(0, len(articles))
    with _POOLS[kind](embedder_name, used) as run:
        for group, outcomes in zip(groups, run(groups), strict=True):
            for article, outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, Embedded):
                    rows.append(outcome.numbered(article, next_id))
                    next_id += len(outcome.chunks)
                else:
                    skipped.append(outcome)
            done += len(group)
            if progress:
                progress(done, len(articles))
    return Embedding(rows, skipped, used, kind)


def _groups(articles: Sequence[Article], workers: int) -> list[Sequence[Article]]:
    """Consecutive groups of articles: GROUP_MAX each in one process, smaller with several
    workers so that each has GROUPS_PER_WORKER groups or more to do."""
    size = GROUP_MAX
    if workers > 1:
        size = max(1, min(GROUP_MAX, math.ceil(len(articles) / (workers * GROUPS_PER_WORKER))))
    return [articles[i:i + size] for i in range(0, len(articles), size)]


def _threads_per_worker(cpus: float, workers: int) -> int:
    return max(1, int(cpus // workers))


# In a worker process (spawned or a Ray actor): the embedder it loaded at start.
_worker_embedder: Embedder | None = None


def _start_worker(embedder_name: str, threads: int) -> None:
    """Load the models once per worker, with torch limited to the worker's share of cores."""
    global _worker_embedder
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    torch.set_num_threads(threads)
    from index.ingest.nlp import pipeline

    _worker_embedder = load_embedder(embedder_name)
    _ = _worker_embedder.model  # sentence-transformers loads lazily; here, not in the first group
    pipeline()


def _embed_in_worker(group: Sequence[Article]) -> list[Embedded | Skipped]:
    return embed_group(_worker_embedder, group)


@contextmanager
def _in_process(embedder_name: str, workers: int) -> Iterator[Runner]:
    """Today's path: this process, its torch threads as they are; the model loads only if
    there is something to embed."""

    def run(groups: Sequence[Sequence[Article]]) -> Iterator[list]:
        for group in groups:
            yield embed_group(load_embedder(embedder_name), group)

    yield run


@contextmanager
def _processes(embedder_name: str, workers: int) -> Iterator[Runner]:
    """N spawned processes, each loading the models once; results in the order sent."""
    threads = _threads_per_worker(os.cpu_count() or 1, workers)
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                               initializer=_start_worker, initargs=(embedder_name, threads))

    def run(groups: Sequence[Sequence[Article]]) -> Iterator[list]:
        try:
            yield from pool.map(_embed_in_worker, groups)
        except BrokenProcessPool as error:
            raise WorkersFailed(f"an embedding worker process died ({error}); nothing was "
                                f"written: try fewer --workers, or 1") from None

    try:
        yield run
    finally:
        pool.shutdown(cancel_futures=True)


class _EmbedActor:
    """A Ray actor: `_start_worker` once, then `embed_group` for each group it is sent."""

    def __init__(self, embedder_name: str, threads: int) -> None:
        _start_worker(embedder_name, threads)

    def ready(self) -> bool:
        return True

    def embed(self, group: Sequence[Article]) -> list[Embedded | Skipped]:
        return _embed_in_worker(group)


def _connect_ray(workers: int) -> Any:
    """Ray, connected: to RAY_ADDRESS when set, else to a local cluster started here (once
    per process, with at least a CPU per worker so that every actor can be placed)."""
    import ray

    if ray.is_initialized():
        return ray
    address = os.environ.get("RAY_ADDRESS") or None
    local = {} if address else {"num_cpus": max(os.cpu_count() or 1, workers)}
    unreachable = _unreachable(address) if address else None
    if unreachable:
        raise WorkersFailed(f"could not connect to the Ray cluster at RAY_ADDRESS={address}: "
                            f"{unreachable}")
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR, **local)
    except Exception as error:  # a cluster that cannot be reached, a bad address
        where = f"the Ray cluster at RAY_ADDRESS={address}" if address else "a local Ray cluster"
        raise WorkersFailed(f"could not connect to {where}: {' '.join(str(error).split())[:300]}"
                            ) from None
    return ray


@contextmanager
def _ray_actors(embedder_name: str, workers: int) -> Iterator[Runner]:
    """N Ray actors sharing the cluster's CPUs, fed group by group as each becomes free;
    results in the order sent. The actors are ended when the work is done."""
    ray = _connect_ray(workers)
    from ray.util import ActorPool

    cpus = float(ray.cluster_resources().get("CPU", 1))
    share = max(1, cpus // workers) if cpus >= workers else cpus / workers
    actor = ray.remote(_EmbedActor).options(num_cpus=share)
    actors = [actor.remote(embedder_name, _threads_per_worker(cpus, workers))
              for _ in range(workers)]
    try:
        ready, _ = ray.wait([a.ready.remote() for a in actors], num_returns=workers,
                            timeout=READY_SECONDS)
        try:
            ray.get(ready)
        except ray.exceptions.RayError as error:
            raise WorkersFailed(f"a Ray worker could not start: {_last_line(error)}") from None
        if len(ready) < workers:
            raise WorkersFailed(f"only {len(ready)} of {workers} Ray workers started within "
                                f"{READY_SECONDS} s ({share:g} CPUs each, {cpus:g} in the "
                                f"cluster): ask for fewer --workers")

        def run(groups: Sequence[Sequence[Article]]) -> Iterator[list]:
            try:
                yield from ActorPool(actors).map(lambda a, group: a.embed.remote(group), groups)
            except ray.exceptions.RayError as error:
                raise WorkersFailed(f"a Ray worker failed ({_last_line(error)}); nothing was "
                                    f"written: try fewer --workers, or 1") from None

        yield run
    finally:
        for a in actors:
            ray.kill(a)


def _unreachable(address: str) -> str | None:
    """Why a `host:port` (or `ray://host:port`) address takes no connection, else None.
    Ray itself retries an unreachable address for minutes, printing warnings."""
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit():
        return None  # "auto" and the like: Ray finds the cluster itself and says if it cannot
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        return error.strerror or str(error) or type(error).__name__
    return None


def _last_line(error: BaseException) -> str:
    """The last non-empty line of an error (Ray's carry the remote traceback above it)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__)[:300]


_POOLS = {"in-process": _in_process, "processes": _processes, "ray": _ray_actors}
