"""``tradewind api-server --workers N``: processes sharing one port, and its connections evenly.

Left to uvicorn, every worker watches the shared socket and the first one to wake takes all
the connections waiting there: a burst of them (a client's connection pool, a load
balancer, a benchmark's clients opening at once) can land on one worker, which then serves
them all on one core while the others idle, for as long as the connections stay open.

Here each worker takes connections in a thread of its own, blocked in ``accept()``, and the
workers publish how many connections each has open (an array in shared memory). A worker
with more than the least busy one leaves the next connection to the others for a few
milliseconds, then takes it if nobody did: connections go to the least busy worker. Each
connection is then served on its worker's event loop as uvicorn serves any other.

The parent process binds the socket, starts the workers (spawned, each building its own
app and database connections from the environment's settings), starts a new worker when
one dies, and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

from tradewind.server.api_process import listening_socket, uvicorn_config
from tradewind.server.signals import stop_on_signals

log = logging.getLogger(__name__)

#: Errors after which ``accept()`` is worth calling again at once: the connection went away
#: before it was taken, or a signal interrupted the call.
_RETRY_AT_ONCE = frozenset({errno.ECONNABORTED, errno.EPROTO, errno.EINTR})
#: Seconds between two checks that every worker is alive.
_WATCH_INTERVAL = 0.5
#: Seconds a worker has to finish its requests once asked to stop.
_STOP_TIMEOUT = 20.0
#: Longest a busier worker leaves a connection to the others before taking it, and how
#: often it looks whether one of them did (seconds).
_DEFER_AT_MOST = 0.005
_DEFER_STEP = 0.0005
#: The open connections a worker that serves none publishes (not started, or gone).
_NOT_SERVING = 2**31 - 1


class SharedLoads:
    """Each worker's open connections, in shared memory: one slot per worker, which the
    parent empties before it starts the worker and the worker then keeps (a connection
    taken counts from the accept thread, a connection closed from the event loop)."""

    def __init__(self, slots: Any, number: int) -> None:
        self._slots = slots
        self.number = number
        self._open = 0
        self._lock = threading.Lock()

    def serving(self, serving: bool) -> None:
        with self._lock:
            self._slots[self.number] = self._open if serving else _NOT_SERVING

    def count(self, change: int) -> None:
        with self._lock:
            self._open += change
            if self._slots[self.number] != _NOT_SERVING:
                self._slots[self.number] = self._open

    def wait_for_turn(self) -> None:
        """Return once this worker is among the least busy, or after ``_DEFER_AT_MOST``."""
        deadline = time.monotonic() + _DEFER_AT_MOST
        while self._slots[self.number] > min(self._slots) and time.monotonic() < deadline:
            time.sleep(_DEFER_STEP)


def worker_config(host: str, port: int) -> uvicorn.Config:
    """The server and app of one worker, from the environment's settings."""
    from tradewind.config import load_settings
    from tradewind.logging import configure_logging
    from tradewind.server.assembly import open_database

    configure_logging()
    settings = load_settings()
    _, factory = open_database(settings)
    return uvicorn_config(settings, factory, host, port)


class _Acceptor:
    """Takes connections off the shared socket in a thread and hands them to the loop."""

    def __init__(
        self,
        listener: socket.socket,
        loads: SharedLoads,
        loop: asyncio.AbstractEventLoop,
        protocol: Callable[[], asyncio.Protocol],
    ) -> None:
        self._listener = listener
        self._loads = loads
        self._loop = loop
        self._protocol = protocol
        self._stopping = False
        self._adopting: set[asyncio.Task[Any]] = set()
        # Blocking: the thread sleeps in accept() until a connection comes; a non-blocking
        # socket would wake every worker for each one.
        listener.setblocking(True)
        loads.serving(True)
        self._thread = threading.Thread(target=self._accept, name="api-accept", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            self._loads.wait_for_turn()
            try:
                connection, _ = self._listener.accept()
            except OSError as error:
                if self._stopping:
                    return
                if error.errno in _RETRY_AT_ONCE:
                    continue
                # Out of file descriptors or memory: the connection waits in the queue.
                log.warning("The API worker cannot take a connection (%s); retrying", error)
                time.sleep(0.1)
                continue
            if self._stopping:
                connection.close()
                return
            self._loads.count(+1)
            connection.setblocking(False)
            if connection.family in (socket.AF_INET, socket.AF_INET6):
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self._loop.call_soon_threadsafe(self._adopt, connection)
            except RuntimeError:  # the loop is closed: the worker is going away
                connection.close()
                return

    def _adopt(self, connection: socket.socket) -> None:
        """On the loop: serve the connection like one the loop accepted itself."""
        if self._stopping:
            connection.close()
            return
        task = self._loop.create_task(
            self._loop.connect_accepted_socket(self._protocol, connection)
        )
        self._adopting.add(task)
        task.add_done_callback(lambda done: self._adopted(done, connection))

    def _adopted(self, task: asyncio.Task[Any], connection: socket.socket) -> None:
        self._adopting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("The API worker could not serve a connection: %s", task.exception())
            connection.close()
            self._loads.count(-1)

    def stop(self) -> None:
        """Stop taking connections; the ones taken so far are served to their end."""
        self._stopping = True
        self._loads.serving(False)
        # The thread waits in accept() until a connection comes: bring connections until it
        # has one. A connection another worker takes instead ends at once, unanswered.
        host, port = self._listener.getsockname()[:2]
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        deadline = time.monotonic() + 5
        while self._thread.is_alive() and time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
                pass
            self._thread.join(0.05)


class _BalancedServer(uvicorn.Server):
    """A uvicorn server that takes its connections through an :class:`_Acceptor`."""

    _acceptor: _Acceptor | None = None

    def __init__(self, config: uvicorn.Config, loads: SharedLoads) -> None:
        super().__init__(config)
        self._loads = loads

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # No socket for uvicorn to serve: the acceptor brings the connections.
        await super().startup(sockets=[])
        if self.should_exit or not sockets:
            return
        config, loads = self.config, self._loads

        class CountedProtocol(config.http_protocol_class):  # type: ignore[name-defined,misc]
            def connection_lost(self, exc: Exception | None) -> None:
                super().connection_lost(exc)
                loads.count(-1)

        def protocol() -> asyncio.Protocol:
            return CountedProtocol(
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        self._acceptor = _Acceptor(sockets[0], loads, asyncio.get_running_loop(), protocol)
        log.info("API worker %d (process %d) is taking connections", loads.number, os.getpid())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._acceptor is not None:
            await asyncio.to_thread(self._acceptor.stop)
        await super().shutdown(sockets)


def _serve_worker(listener: socket.socket, slots: Any, number: int) -> None:
    """Worker ``number``: its own app, serving connections from the shared socket."""
    config = worker_config(*listener.getsockname()[:2])
    _BalancedServer(config, SharedLoads(slots, number)).run(sockets=[listener])


def serve_workers(host: str, port: int, workers: int) -> None:
    """Serve the API from ``workers`` processes until SIGINT or SIGTERM."""
    listener = listening_socket(host, port)
    listener.listen(2048)
    context = multiprocessing.get_context("spawn")
    stop = stop_on_signals()
    slots = context.Array("i", [_NOT_SERVING] * workers, lock=False)

    def start(number: int) -> BaseProcess:
        slots[number] = _NOT_SERVING
        process = context.Process(
            target=_serve_worker, args=(listener, slots, number), name=f"api-worker-{number}"
        )
        process.start()
        return process

    processes = [start(number) for number in range(workers)]
    try:
        while not stop.wait(_WATCH_INTERVAL):
            for number, process in enumerate(processes):
                if not process.is_alive():
                    log.warning(
                        "API worker %s ended (exit code %s); starting another",
                        process.pid,
                        process.exitcode,
                    )
                    processes[number] = start(number)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + _STOP_TIMEOUT
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        listener.close()
