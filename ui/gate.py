"""What reaches Gradio from the network is checked here first: uploads and logins.

Gradio takes files at `/gradio_api/upload` from anyone who may use the page, before any
handler of the page runs, and keeps them in its temporary folder, downloadable again,
until its sweep removes them; it limits the size of each file (`max_file_size`) but not
how many come, nor whether the page takes files at all. It answers every login at once.
`Gate`, an ASGI middleware in front of the whole app, closes those doors:

- A read-only page takes no file: every upload, and every multipart body, is 403.
- A writable page takes at most MAX_UPLOAD_FILES files in one upload, each of a type the
  index reads, and refuses an upload whose declared size would take what waits in the
  folder over MAX_WAITING_BYTES, or that comes while MAX_WAITING_FILES files wait there.
  An upload Gradio has saved that breaks the rules is deleted before the answer goes out.
- Wrong logins from one address are slowed down (`ui.logins.LoginThrottle`): a try that
  comes too early gets 429 and Retry-After, unread.

Each refusal is one line of plain text that says why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradio.utils import get_upload_folder

from index import SUPPORTED_SUFFIXES
from ui.logins import LoginThrottle
from ui.uploads import MAX_UPLOAD_FILES, MAX_WAITING_BYTES, MAX_WAITING_FILES, discard

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_ROUTE = "/gradio_api/upload"
LOGIN_ROUTE = "/login"


@dataclass(frozen=True)
class Waiting:
    """What uploads hold in Gradio's folder now: files and bytes."""

    files: int
    bytes: int

    @classmethod
    def now(cls, folder: Path) -> Waiting:
        files = size = 0
        for top, _, names in os.walk(folder):
            for name in names:
                with suppress(OSError):  # a sweep or an indexed upload removed it meanwhile
                    size += os.stat(os.path.join(top, name)).st_size
                    files += 1
        return cls(files, size)


class Gate:
    """The middleware (see the module's docstring); `read_only`: the page takes no files."""

    def __init__(self, app: App, read_only: bool, throttle: LoginThrottle | None = None) -> None:
        self.app = app
        self.read_only = read_only
        self.throttle = throttle or LoginThrottle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        path = scope["path"].rstrip("/")
        if path.endswith(LOGIN_ROUTE):
            return await self._login(scope, receive, send)
        if path.endswith(UPLOAD_ROUTE) or _multipart(scope):
            if self.read_only:
                return await _answer(send, 403, "this page is read-only: it takes no files")
            if path.endswith(UPLOAD_ROUTE):
                return await self._upload(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        address = (scope.get("client") or ("unknown",))[0]
        if self.throttle.wait_left(address) > 0:
            seconds = self.throttle.retry_after(address)
            return await _answer(send, 429, f"too many wrong logins from this address: try "
                                            f"again in {seconds} s",
                                 [(b"retry-after", str(seconds).encode())])

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    self.throttle.succeeded(address)
                elif message["status"] in (400, 401, 403):
                    self.throttle.failed(address)
            await send(message)

        return await self.app(scope, receive, watched)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _header(scope, b"content-length")
        if not declared.isdigit():
            return await _answer(send, 411, "an upload must say its size (Content-Length)")
        folder = Path(get_upload_folder())
        waiting = Waiting.now(folder)
        if (waiting.bytes + int(declared) > MAX_WAITING_BYTES
                or waiting.files >= MAX_WAITING_FILES):
            return await _answer(send, 429, f"the page holds {waiting.files} uploaded files "
                                            f"({waiting.bytes / 2**20:.0f} MB) not yet "
                                            f"indexed, its limit: try again in a few minutes",
                                 [(b"retry-after", b"60")])
        held: list[Message] = []

        async def checked(message: Message) -> None:
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await self._pass_or_refuse(held, folder, send)

        return await self.app(scope, receive, checked)

    async def _pass_or_refuse(self, held: list[Message], folder: Path, send: Send) -> None:
        """Send Gradio's answer to an upload, or, when the files it saved break the rules,
        delete them and refuse."""
        start, *body = held
        saved: list[str] = []
        if start.get("status") == 200:
            with suppress(ValueError):
                found = json.loads(b"".join(m.get("body", b"") for m in body))
                saved = [str(p) for p in found] if isinstance(found, list) else []
        wrong = sorted({Path(p).suffix.lower() or "(none)" for p in saved} -
                       set(SUPPORTED_SUFFIXES))
        if len(saved) > MAX_UPLOAD_FILES:
            reason = (413, f"{len(saved)} files in one upload; the limit is {MAX_UPLOAD_FILES}")
        elif wrong:
            reason = (415, f"files of type {', '.join(wrong)} cannot be indexed; use "
                           f"{', '.join(SUPPORTED_SUFFIXES)}")
        else:
            for message in held:
                await send(message)
            return
        discard(saved, folder)
        await _answer(send, *reason)


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name),
                "").strip()


def _multipart(scope: Scope) -> bool:
    return _header(scope, b"content-type").lower().startswith("multipart/")


async def _answer(send: Send, status: int, text: str,
                  headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
