"""Who may log in to the page: USER:PASSWORD pairs from --auth and --auth-file, for Gradio's `auth`.

A password is never printed back, not even in an error: a mistyped line is named by
its number in the file, and a bad --auth value by its user (or its position) only.

Gradio answers every login at once, so a password can be guessed as fast as the network
allows (200 tries in 2.4 s). `LoginThrottle` keeps count of wrong logins per client
address: the first FREE_FAILURES cost nothing (a typo or two), then each next try must
wait twice as long as the one before, from FIRST_WAIT_SECONDS up to MAX_WAIT_SECONDS,
counted from the last failure; a right login clears the count. A try that comes too
early is refused unread, right password or not, so waiting is the only way on. Clients
behind one proxy share its address, and so share a count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from pathlib import Path

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 300.0
# Addresses remembered at most; the ones whose wait ended longest ago are forgotten first.
MAX_ADDRESSES = 10_000


class LoginError(ValueError):
    """A login given in a form the page cannot use; the message says which one and why."""


def parse_login(value: str, where: str) -> tuple[str, str]:
    """USER:PASSWORD (the password may itself hold colons) as (user, password)."""
    user, colon, password = value.partition(":")
    user = user.strip()
    if not colon or not user or not password:
        raise LoginError(f"{where}: expected USER:PASSWORD with both parts non-empty")
    return user, password


def read_login_file(path: str | Path) -> list[tuple[str, str]]:
    """One USER:PASSWORD a line; blank lines and lines starting with # are ignored."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LoginError(f"--auth-file {file}: no such file") from None
    except UnicodeDecodeError:
        raise LoginError(f"--auth-file {file}: not UTF-8 text") from None
    except OSError as error:
        raise LoginError(f"--auth-file {file}: cannot be read ({error.strerror})") from None
    logins = [parse_login(line.strip(), f"--auth-file {file} line {number}")
              for number, line in enumerate(lines, 1)
              if line.strip() and not line.lstrip().startswith("#")]
    if not logins:
        raise LoginError(f"--auth-file {file}: no USER:PASSWORD lines")
    return logins


def logins(values: Iterable[str], file: str | Path | None) -> list[tuple[str, str]]:
    """Every login from --auth values and --auth-file; empty when neither was given.

    A user named twice is an error: Gradio would keep only the last password, so the
    other one would be refused with no word why."""
    found = [parse_login(v, f"--auth #{n}") for n, v in enumerate(values, 1)]
    if file:
        found += read_login_file(file)
    users = [user for user, _ in found]
    twice = sorted({user for user in users if users.count(user) > 1})
    if twice:
        raise LoginError(f"user {', '.join(twice)} given more than once in --auth/--auth-file")
    return found


class LoginThrottle:
    """Wrong logins counted per client address, and how long each must wait (see above)."""

    def __init__(self, free: int = FREE_FAILURES, first_wait: float = FIRST_WAIT_SECONDS,
                 max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.free, self.first_wait, self.max_wait = free, first_wait, max_wait
        self._failures: dict[str, tuple[int, float]] = {}  # address: (count, last failure)
        self._lock = threading.Lock()

    def wait_left(self, address: str) -> float:
        """Seconds `address` must still wait before its next try; 0 when it may try now."""
        with self._lock:
            count, last = self._failures.get(address, (0, 0.0))
        if count < self.free:
            return 0.0
        wait = min(self.max_wait, self.first_wait * 2 ** (count - self.free))
        return max(0.0, last + wait - time.monotonic())

    def retry_after(self, address: str) -> int:
        """`wait_left` in whole seconds, as an HTTP Retry-After header says it."""
        return max(1, math.ceil(self.wait_left(address)))

    def failed(self, address: str) -> None:
        with self._lock:
            count, _ = self._failures.pop(address, (0, 0.0))
            self._failures[address] = (count + 1, time.monotonic())
            if len(self._failures) > MAX_ADDRESSES:  # oldest last failure first
                del self._failures[next(iter(self._failures))]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
