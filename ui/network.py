"""Where the page listens: the host's reach, the warning it deserves, and a port that is free.

Gradio fails with a traceback on a port in use and quietly moves to another one only
when it chose the port itself. Here the port is checked before launching, the same way
the server binds it (SO_REUSEADDR, on the host asked for), so the person hears which
port is taken and which one is free in one line.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
PORTS_TRIED = 100
LAUNCHER = "NEWSQA_LAUNCHER"     # "make" when `make run` started the page


class PortError(ValueError):
    """The port cannot be used; the message names a free one when there is one."""


def is_loopback(host: str) -> bool:
    """True when only this machine can reach `host` (127.x, ::1, or a name resolving only
    to those); an address that cannot be resolved counts as reachable, to err on warning."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback
                                   for a in addresses)


def exposure_warning(host: str, port: int, login: bool, read_only: bool) -> str | None:
    """The warning for a page that other machines can reach; None on loopback."""
    if is_loopback(host):
        return None
    reach = f"listening on {host}:{port}: anyone who can reach this machine"
    if login:
        return (f"warning: {reach} sees the login page; logins travel unencrypted over "
                f"plain HTTP, so use this only on a network you trust")
    if read_only:
        return (f"warning: {reach} can ask questions and read every indexed article, "
                f"with no login (add --auth USER:PASSWORD or --auth-file FILE to require one)")
    return (f"warning: {reach} can use the page with no login, and upload and remove "
            f"articles; add --auth USER:PASSWORD (or --auth-file FILE) to require a login, "
            f"or --read-only to allow asking only")


def port_option(port: int | None = None) -> str:
    """How the person who started the page asks for a port: `PORT=7861` to `make run` (the
    Makefile sets NEWSQA_LAUNCHER=make), `--port 7861` to `python -m ui`."""
    name = "PORT=" if os.environ.get(LAUNCHER) == "make" else "--port "
    return name + ("N" if port is None else str(port))


def port_from_env() -> int | None:
    """GRADIO_SERVER_PORT as a port number, None when unset."""
    value = os.environ.get("GRADIO_SERVER_PORT", "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise PortError(f"GRADIO_SERVER_PORT={value!r} is not a port number (1-65535)")
    return int(value)


def is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (bound as uvicorn binds it); an
    address this machine does not have, or a port it may not use, is PortError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            reason = error.strerror or str(error)
            if error.errno == errno.EACCES:
                reason += f" (ports below 1024 need root; choose another with {port_option()})"
            raise PortError(f"cannot listen on {host}:{port}: {reason}") from None
    return True


def next_free(host: str, after: int) -> int | None:
    """The first free port above `after`, trying PORTS_TRIED of them."""
    return next((p for p in range(after + 1, min(after + 1 + PORTS_TRIED, 65536))
                 if is_free(host, p)), None)


def choose(host: str, asked: int | None) -> tuple[int, str | None]:
    """The port to serve on and a note to print, or PortError.

    A port someone asked for (--port, GRADIO_SERVER_PORT) is never swapped silently: when
    it is taken the answer is an error naming the next free one. Without one, the default
    is used, or the next free port with a note saying so.
    """
    if asked is not None and not 0 < asked < 65536:
        raise PortError(f"port {asked} is not a port number (1-65535)")
    wanted = asked or DEFAULT_PORT
    if is_free(host, wanted):
        return wanted, None
    free = next_free(host, wanted)
    if free is None:
        raise PortError(f"port {wanted} is in use, and so are the {PORTS_TRIED} after it; "
                        f"choose another with {port_option()}")
    if asked is not None:
        raise PortError(f"port {wanted} is in use by another program; the next free port is "
                        f"{free}: add {port_option(free)} (or stop the program using {wanted})")
    return free, f"port {wanted} is in use; using port {free} instead"
