"""Who may log in to the page: USER:PASSWORD pairs from --auth and --auth-file, for Gradio's `auth`.

A password is never printed back, not even in an error: a mistyped line is named by
its number in the file, and a bad --auth value by its user (or its position) only.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


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
