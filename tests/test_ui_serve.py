"""The page on a network, as its user meets it: `python -m ui` run as a child process.

A warning when other machines can reach the page; logins from --auth-file (a bad file is a
one-line error that never shows a password); --read-only pages with nothing that writes;
a port in use named with the next free one, or swapped for it when none was asked for.
One real page (read-only, with a login, started while port 7860 is taken) serves the
module; the other checks end before the index is loaded, so they take a second or two.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from gradio.utils import get_upload_folder
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError
from playwright.sync_api import Browser, expect

from index import ActionNeeded
from index.folder.lock import WriteLock
from tests.conftest import REPO, Child, copy_index, free_port, occupy, python_env
from tests.web_site import PAGE, serve_site
from ui.app import upload
from ui.backend import Backend, ReadOnly
from ui.logins import FREE_FAILURES
from ui.network import DEFAULT_PORT, is_free
from ui.uploads import MAX_UPLOAD_FILES, MAX_WAITING_BYTES, discard

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

RUN_UI = "import runpy; runpy.run_module('ui', run_name='__main__', alter_sys=True)"
LOGINS = "# who may use the page\nalice:open-sesame:with-colons\n\nbob:hunter2-bob\n"
QUESTION = "Who is the Prime Minister of Japan?"


def run_ui(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m ui ARGS` to its end; with a missing --index it ends right after the checks
    that come before loading anything."""
    return subprocess.run([sys.executable, "-m", "ui", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env=python_env(**env))


# Warnings and errors before anything is loaded -----------------------------------------


@pytest.mark.parametrize(("args", "said"), [
    ((), "can use the page with no login, and upload and remove articles"),
    (("--read-only",), "can ask questions and read every indexed article, with no login"),
    (("--auth", "alice:pw-never-shown"), "sees the login page"),
])
def test_listening_beyond_this_machine_warns_who_can_use_the_page(tmp_path, args, said):
    port = str(free_port())
    result = run_ui("--host", "0.0.0.0", "--port", port, "--index", str(tmp_path / "none"), *args)
    warning = f"warning: listening on 0.0.0.0:{port}: anyone who can reach this machine {said}"
    assert warning in result.stderr
    assert "pw-never-shown" not in result.stdout + result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: no index at")
    assert "Traceback" not in result.stderr


def test_listening_on_this_machine_only_does_not_warn(tmp_path):
    result = run_ui("--port", str(free_port()), "--index", str(tmp_path / "none"))
    assert "warning" not in result.stdout + result.stderr
    assert result.returncode == 2


@pytest.mark.parametrize(("content", "said"), [
    (None, ": no such file"),
    ("alice:fine\ncarol-forgot-the-colon-secretword\n", " line 2: expected USER:PASSWORD"),
    ("alice:fine\n\ndave:\n", " line 3: expected USER:PASSWORD"),
    ("# only a comment\n", ": no USER:PASSWORD lines"),
])
def test_a_bad_login_file_is_one_line_that_shows_no_password(tmp_path, content, said):
    file = tmp_path / "logins.txt"
    if content is not None:
        file.write_text(content)
    result = run_ui("--auth-file", str(file), "--port", str(free_port()))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: --auth-file {file}{said}")
    assert result.stderr.count("\n") == 1
    for secret in ("fine", "secretword"):
        assert secret not in result.stderr


def test_a_user_named_twice_or_watching_a_read_only_page_is_refused(tmp_path):
    file = tmp_path / "logins.txt"
    file.write_text("alice:first-password\n")
    result = run_ui("--auth", "alice:second-password", "--auth-file", str(file))
    assert result.stderr == "error: user alice given more than once in --auth/--auth-file\n"
    result = run_ui("--read-only", "--watch", str(tmp_path / "drop"))
    assert result.returncode == 2
    assert result.stderr == ("error: --watch writes to the index, --read-only forbids it: "
                             "give one of them\n")
    assert not (tmp_path / "drop").exists()


@pytest.mark.parametrize("how", ["--port", "GRADIO_SERVER_PORT"])
def test_a_port_in_use_is_named_with_the_next_free_one(tmp_path, how):
    port = free_port()
    with closing(occupy(port)):
        args, env = (("--port", str(port)), {}) if how == "--port" else ((), {how: str(port)})
        result = run_ui("--index", str(tmp_path / "none"), *args, **env)
    assert result.returncode == 2 and result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    found = re.fullmatch(rf"error: port {port} is in use by another program; the next free port "
                         rf"is (\d+): add --port (\d+) \(or stop the program using {port}\)", line)
    assert found and found[1] == found[2] and int(found[1]) > port
    assert is_free("127.0.0.1", int(found[1]))


# One real page: read-only, behind a login, started while the default port is taken ------


@pytest.fixture(scope="module")
def locked_page(seeds_build, tmp_path_factory) -> Iterator[tuple[str, Child, Path]]:
    """(address, child, the folder Gradio keeps its uploads in)."""
    folder = tmp_path_factory.mktemp("ui-serve")
    index = copy_index(seeds_build.path, folder / "index")
    logins = folder / "logins.txt"
    logins.write_text(LOGINS)
    holder = occupy(DEFAULT_PORT)
    env = {k: v for k, v in python_env(GRADIO_TEMP_DIR=str(folder / "gradio")).items()
           if k != "GRADIO_SERVER_PORT"}
    child = Child(RUN_UI, ["--index", str(index), "--read-only", "--auth-file", str(logins)], env)
    try:
        note = child.wait_for("port ", timeout=120)
        running = child.wait_for("* Running on local URL:", timeout=180)
    finally:
        if holder:
            holder.close()
    try:
        taken = re.fullmatch(rf"port {DEFAULT_PORT} is in use; using port (\d+) instead", note)
        assert taken, note
        assert running.endswith(f"127.0.0.1:{taken[1]}")
        yield f"http://127.0.0.1:{taken[1]}/", child, folder / "gradio"
    finally:
        child.stop()


def test_with_the_default_port_taken_the_page_says_so_and_serves_on_the_next(locked_page):
    url, child, _ = locked_page
    assert Client(url, auth=("bob", "hunter2-bob"), verbose=False).view_api(
        print_info=False, return_format="dict")["named_endpoints"]
    assert "warning" not in child.stderr()      # 127.0.0.1: this machine only


def test_the_page_asks_for_a_login_and_refuses_a_wrong_password(locked_page):
    url, _, _ = locked_page
    with pytest.raises(AuthenticationError, match="login"):
        Client(url, verbose=False)
    for wrong in (("alice", "open-sesame"), ("alice", "hunter2-bob"), ("mallory", "")):
        with pytest.raises(ValueError, match="Could not login"):    # Gradio answers 400
            Client(url, auth=wrong, verbose=False)
    client = Client(url, auth=("alice", "open-sesame:with-colons"), verbose=False)  # colons kept
    assert "Sanae Takaichi" in {p["text"] for p in client.predict(QUESTION, api_name="/ask")
                                ["answers"]}


def test_a_read_only_page_shows_no_upload_and_no_remove(locked_page, browser: Browser):
    url, _, _ = locked_page
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        page.get_by_label("username").fill("bob")
        page.get_by_label("password").fill("hunter2-bob")
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#nqa-question textarea")).to_be_visible()
        page.get_by_role("tab", name="Articles").click()
        expect(page.locator("#nqa-documents")).to_contain_text("000_51fa7298afb77037")
        seed = page.locator("#nqa-documents").get_by_text("000_51fa7298afb77037", exact=True)
        seed.filter(visible=True).first.click()
        expect(page.locator("#nqa-preview .nqa-article-title")).to_be_visible()
        for control in ("#nqa-files", "#nqa-remove", "#nqa-confirm",
                        "input[type=file]:not(#nqa-documents input)"):   # the table's own
            expect(page.locator(control)).to_have_count(0)
        expect(page.get_by_role("button", name=re.compile("remove", re.I))).to_have_count(0)
    finally:
        context.close()


# The read-only backend itself ----------------------------------------------------------


def test_a_read_only_backend_refuses_every_write_and_needs_no_write_lock(seeds_copy, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("date 2025-12-01 LONDON: Rain fell on London all week.\n")
    with WriteLock(seeds_copy):             # a build in another process holds the lock
        backend = Backend.open(seeds_copy, read_only=True)
        before = backend.documents()
        assert "Sanae Takaichi" in {p.text for p in backend.ask(QUESTION).answers}
        writes = [lambda: backend.add_uploads([(story, "story.txt")]),
                  lambda: backend.add([story]), lambda: backend.remove([before[0]["doc_id"]]),
                  lambda: backend.watch(tmp_path / "drop")]
        for write in writes:
            with pytest.raises(ReadOnly, match=r"read-only .*--read-only"):
                write()
    assert backend.documents() == before
    assert not (tmp_path / "drop").exists()
    with pytest.raises(ActionNeeded, match="no index at"):
        Backend.open(tmp_path / "missing", read_only=True)
    assert not (tmp_path / "missing").exists()


def test_an_upload_that_fails_leaves_nothing_in_gradios_temporary_folder(seeds_copy):
    """The same cleanup as after a successful upload (see test_ui_browser), on the way out
    of a write that raised."""
    sent = Path(get_upload_folder()) / "0123abcd-test-ui-serve" / "refused.txt"
    sent.parent.mkdir(parents=True, exist_ok=True)
    sent.write_text("date 2025-12-01 LONDON: Rain fell on London all week.\n")
    backend = Backend.open(seeds_copy, read_only=True)
    with pytest.raises(ReadOnly):
        upload(backend, [str(sent)], lambda *args, **kwargs: None)
    assert not sent.exists() and not sent.parent.exists()


# Uploads and logins as a client on the network meets them (issue 20, items 5, 7 and 8) ---


def _request(url: str, path: str, body: bytes = b"", kind: str = "",
             cookie: str = "") -> tuple[int, dict[str, str], str]:
    """(status, headers, text) of a POST to the page, as curl would send it."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": kind, **({"Cookie": cookie} if cookie else {})})
        response = connection.getresponse()
        cookies = "; ".join(v.split(";", 1)[0] for k, v in response.getheaders()
                            if k.lower() == "set-cookie")
        return response.status, {**dict(response.getheaders()), "cookies": cookies}, \
            response.read().decode(errors="replace")
    finally:
        connection.close()


def _files(*named: tuple[str, bytes]) -> tuple[bytes, str]:
    """A multipart body of files under Gradio's field name, `curl -F files=@...`."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"'
             f'\r\nContent-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n"
             for name, data in named]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


def _login(url: str, user: str, password: str) -> tuple[int, dict[str, str], str]:
    return _request(url, "/login", f"username={user}&password={password}".encode(),
                    "application/x-www-form-urlencoded")


def _held(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_read_only_page_takes_no_file(locked_page):
    """Issue 20.7: ten `curl -F files=@9MB.bin .../gradio_api/upload` put 95 MB on a
    read-only page's disk, downloadable again for about two hours."""
    url, _, uploads = locked_page
    before = _held(uploads)
    status, headers, _ = _login(url, "bob", "hunter2-bob")
    assert status == 200
    body, kind = _files(("story.txt", b"Rain fell on London all week."),
                        ("big.bin", os.urandom(2**20)))
    for cookie in ("", headers["cookies"]):     # without a login, and with one
        status, _, text = _request(url, "/gradio_api/upload", body, kind, cookie)
        assert (status, text) == (403, "this page is read-only: it takes no files\n")
    assert _held(uploads) == before


@pytest.fixture(scope="module")
def open_page(seeds_build, tmp_path_factory) -> Iterator[tuple[str, Child, Path]]:
    """A writable page behind a login whose operator lets it fetch links from this machine:
    (address, child, the folder Gradio keeps its uploads in)."""
    folder = tmp_path_factory.mktemp("ui-open")
    index = copy_index(seeds_build.path, folder / "index")
    (folder / "logins.txt").write_text(LOGINS)
    port = free_port()
    child = Child(RUN_UI, ["--index", str(index), "--auth-file", str(folder / "logins.txt"),
                           "--port", str(port), "--allow-private-links"],
                  python_env(GRADIO_TEMP_DIR=str(folder / "gradio")))
    try:
        child.wait_for("* Running on local URL:", timeout=240)
        yield f"http://127.0.0.1:{port}/", child, folder / "gradio"
    finally:
        child.stop()


def test_a_writable_page_caps_what_an_upload_may_leave_on_its_disk(open_page):
    url, _, uploads = open_page
    _, headers, _ = _login(url, "bob", "hunter2-bob")
    cookie = headers["cookies"]

    def send(*named: tuple[str, bytes]) -> tuple[int, str]:
        status, _, text = _request(url, "/gradio_api/upload", *_files(*named), cookie)
        return status, text

    status, text = send(("story.txt", b"Rain fell on London all week."))
    assert status == 200 and Path(json.loads(text)[0]).is_relative_to(uploads.resolve())
    held = _held(uploads)
    assert send(*((f"s{n}.txt", f"story {n}".encode()) for n in range(MAX_UPLOAD_FILES + 1))
                ) == (413, f"{MAX_UPLOAD_FILES + 1} files in one upload; the limit is "
                           f"{MAX_UPLOAD_FILES}\n")
    status, text = send(("blob.bin", os.urandom(2**20)))
    assert status == 415 and text.startswith("files of type .bin cannot be indexed")
    assert _held(uploads) == held          # nothing of the refused uploads stays
    nine = b"x" * (9 * 2**20)
    answers = [send((f"nine{n}.txt", nine + bytes([n]))) for n in range(12)]
    refused = [a for a in answers if a[0] == 429]
    assert answers[0][0] == 200 and refused and refused[0][1].startswith("the page holds ")
    assert sum(p.stat().st_size for p in _held(uploads)) <= MAX_WAITING_BYTES
    discard(_held(uploads), uploads)


def test_wrong_logins_from_one_client_are_slowed_down(open_page):
    """Issue 20.8: 200 wrong logins went through in 2.4 s."""
    url, _, _ = open_page
    statuses = [_login(url, "alice", f"guess-{n}")[0] for n in range(FREE_FAILURES)]
    assert statuses == [400] * FREE_FAILURES
    status, headers, text = _login(url, "alice", "guess-next")
    assert status == 429 and text.startswith("too many wrong logins from this address")
    wait = int(headers["retry-after"])
    assert 1 <= wait <= 2
    # Too early, even the right password is refused unread: guessing cannot go on.
    assert _login(url, "alice", "open-sesame:with-colons")[0] == 429
    time.sleep(wait + 0.2)
    assert _login(url, "alice", "wrong-again")[0] == 400
    assert _login(url, "alice", "open-sesame:with-colons")[0] == 429    # waits longer now
    time.sleep(2 * wait + 0.2)
    assert _login(url, "alice", "open-sesame:with-colons")[0] == 200
    assert _login(url, "alice", "a-typo")[0] == 400                      # the count starts over


def test_an_operator_may_let_the_page_fetch_links_from_this_machine(open_page, tmp_path,
                                                                  browser: Browser):
    """`python -m ui --allow-private-links`: the page's "Add a link" reaches this machine."""
    url, _, _ = open_page
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        with serve_site(tmp_path) as site:
            page.goto(url)
            page.get_by_label("username").fill("bob")
            page.get_by_label("password").fill("hunter2-bob")
            page.get_by_role("button", name="Login").click()
            page.get_by_role("tab", name="Articles").click()
            page.locator("#nqa-link textarea, #nqa-link input").first.fill(f"{site}{PAGE}")
            page.locator("#nqa-add-link").click()
            expect(page.locator("#nqa-report")).to_contain_text("1 added", timeout=180_000)
        expect(page.locator("#nqa-documents")).to_contain_text("127.0.0.1/news/2025/11/talks")
    finally:
        context.close()
