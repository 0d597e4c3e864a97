"""The page's API for programs: `Client(url).predict(question, api_name="/ask")` returns
`Answer.to_dict()`, the same structure `qa.ask` gives in Python."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gradio_client import Client

from qa import ask
from tests.conftest import copy_index, serve_page
from ui import Backend

# Gradio's queue calls pandas APIs that pandas 3 deprecates; nothing this project can change.
pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]


@pytest.fixture(scope="module")
def served(seeds_build, tmp_path_factory) -> Iterator[tuple[str, Backend]]:
    """The page on a free local port, over a private copy of the seeds index."""
    folder = copy_index(seeds_build.path, tmp_path_factory.mktemp("ui-api") / "index")
    with serve_page(folder) as served:
        yield served


def test_ask_endpoint_returns_the_answer_as_a_dict(served):
    url, backend = served
    question = "Who is the Prime Minister of Japan?"
    result = Client(url, verbose=False).predict(question, api_name="/ask")
    assert set(result) == {"question", "understood", "answers", "conflict", "conflicts", "no_answer",
                           "message"}
    assert result == ask(question, index=backend.index).to_dict()
    assert result["conflict"] is True and result["no_answer"] is False
    by_text = {p["text"]: p for p in result["answers"]}
    assert by_text["Taro Kono"]["disputed"] is True
    citation = by_text["Sanae Takaichi"]["citations"][0]
    assert set(citation) == {"doc_id", "title", "start", "end", "quote", "sentence_start",
                             "sentence_end", "date", "url", "outlet", "published", "page",
                             "copy_of"}
    text = backend.article(citation["doc_id"]).text
    assert text[citation["start"]:citation["end"]] == citation["quote"] == "Sanae Takaichi"


def test_ask_endpoint_says_when_there_is_no_answer(served):
    url, _ = served
    result = Client(url, verbose=False).predict("Who won the 1930 World Cup?", api_name="/ask")
    assert result["no_answer"] is True and result["answers"] == []


def test_only_ask_is_offered_to_programs(served):
    url, _ = served
    endpoints = Client(url, verbose=False).view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/ask"]
    returns = endpoints["named_endpoints"]["/ask"]["returns"][0]["type"]
    assert returns["type"] == "object"
    assert set(returns["properties"]) == set(ask("Who?", index=served[1].index).to_dict())
    citation = returns["properties"]["answers"]["items"]["properties"]["citations"]["items"]
    assert citation["properties"]["start"] == {"type": "integer"}
    assert {"url", "outlet", "published", "page"} <= set(citation["properties"])
    conflict = returns["properties"]["conflicts"]["items"]["properties"]
    assert conflict["in_time"] == {"type": "boolean"} and conflict["timeline"] == {"type": "string"}


def test_two_pages_and_a_watch_on_one_postgres_database_share_their_articles(
        postgres, pg_seeds_build, tmp_path, poll):
    """Several page servers on one store: an upload to one page and a file dropped into a
    folder that the other watches are each answered by the other page."""
    uri = postgres.new_database(template=pg_seeds_build[0])
    mayor = tmp_path / "mayor.txt"
    mayor.write_text("date 2025-12-01 BRAMBLEWICK: Orla Fenwhistle was sworn in as the mayor "
                     "of Bramblewick on Monday.\n")
    with serve_page(uri) as (url_a, backend_a), serve_page(uri) as (url_b, backend_b):
        assert backend_a.add_uploads([(mayor, "mayor.txt")]).added == 1
        result = Client(url_b, verbose=False).predict("Who is the mayor of Bramblewick?",
                                                      api_name="/ask")
        assert result["answers"][0]["text"] == "Orla Fenwhistle"
        inbox = tmp_path / "inbox"
        backend_b.watch(inbox)
        (inbox / "harbour.txt").write_text("date 2025-12-02 BRAMBLEWICK: Tomas Vell was named "
                                           "harbour master of Bramblewick on Tuesday.\n")
        poll(lambda: "harbour" in {d["doc_id"] for d in backend_a.documents()}, timeout=60)
        result = Client(url_a, verbose=False).predict("Who is the harbour master of Bramblewick?",
                                                      api_name="/ask")
        assert result["answers"][0]["text"] == "Tomas Vell"
