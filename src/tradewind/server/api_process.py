"""Serving the REST API with uvicorn: in a thread (``standalone``) or in the foreground.

:func:`serve_api_in_thread` returns once the server listens (or raises if it cannot), and
the server stops when ``stop_event`` is set; ``port=0`` picks a free port, which the handle
reports.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from tradewind.api.app import create_app
from tradewind.config import Settings
from tradewind.errors import TradewindError
from tradewind.server.specs import SessionFactory

log = logging.getLogger(__name__)


@dataclass
class ApiServer:
    """A running API server: where it listens, and how to stop it."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def uvicorn_config(
    settings: Settings, session_factory: SessionFactory, host: str, port: int
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings, session_factory),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; a clear error when the address is taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise TradewindError(f"The API server cannot listen on {host}:{port}: {error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise TradewindError(
            f"The API server could not listen on {host}:{port} ({error.strerror}); is the port "
            "taken? Choose another with --port or [api] port."
        ) from None
    return sock


def serve_api_in_thread(
    settings: Settings,
    session_factory: SessionFactory,
    host: str,
    port: int,
    stop_event: threading.Event,
    *,
    startup_timeout: float = 15.0,
) -> ApiServer:
    """Start the API server in a daemon thread; it stops when ``stop_event`` is set."""
    sock = listening_socket(host, port)
    bound = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn_config(settings, session_factory, host, bound))

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except SystemExit:  # uvicorn exits when it cannot start
            log.error("The API server on %s:%d could not start", host, bound)
        finally:
            sock.close()

    def watch() -> None:
        stop_event.wait()
        server.should_exit = True

    thread = threading.Thread(target=serve, name="api-server", daemon=True)
    thread.start()
    threading.Thread(target=watch, name="api-server-stop", daemon=True).start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise TradewindError(f"The API server on {host}:{bound} did not start; see the log.")
        time.sleep(0.01)
    return ApiServer(server=server, thread=thread, host=host, port=bound)
