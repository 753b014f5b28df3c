"""The local executor: each try in its own process, forked from a warm supervisor.

The executor starts one supervisor process (``python -m tradewind.runtime.supervisor``, a
fresh interpreter: the scheduler itself never forks) and talks to it over a socket with the
protocol of :mod:`tradewind.runtime.comms`, through the codec in
:mod:`tradewind.contracts.frames`. The supervisor forks one task process per try, so user
code that crashes, leaks or calls ``os._exit`` cannot take the worker down.

At most ``parallelism`` tries run at once; more wait here, highest ``priority`` first. A
reader thread receives what the supervisor sends: events (kept for :meth:`events`, and
``wake`` is called at once so the scheduler need not poll), heartbeats (kept for
:meth:`heartbeats`) and the running tasks' state requests, which it answers by calling
``request_handler(method, kwargs)``. **The handler is called from that reader thread**, one
request at a time; it must be safe to call alongside the scheduler's own thread.

If the supervisor dies, every try it was running is reported failed (or up for retry) with
the reason, and a new supervisor is started for the tries still waiting.

Each try writes its log to :func:`~tradewind.contracts.log_files.task_log_path` under
``logs_folder``.
"""

from __future__ import annotations

import heapq
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.frames import (
    EXECUTION_METHODS,
    FrameDecoder,
    FrameError,
    Kind,
    encode_frame,
    error_to_wire,
    from_wire,
)
from tradewind.contracts.log_files import callbacks_log_path, task_log_path
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState
from tradewind.contracts.workloads import ExecuteTask, RunDagCallbacks
from tradewind.errors import TradewindError
from tradewind.logging import get_logger

__all__ = [
    "LocalExecutor",
    "RequestHandler",
    "WorkerStartError",
    "service_handler",
]

log = get_logger(__name__)

#: Answers one state request of a running task: ``handler(method, kwargs) -> result``.
RequestHandler = Callable[[str, dict[str, Any]], Any]

_CHUNK = 1 << 18
_SRC = str(Path(__file__).resolve().parents[2])


class WorkerStartError(TradewindError):
    """The local executor's supervisor process could not be started."""


def service_handler(service: object) -> RequestHandler:
    """A request handler calling the method of ``service`` (an ``ExecutionClient``) named."""

    def handle(method: str, kwargs: dict[str, Any]) -> Any:
        return getattr(service, method)(**kwargs)

    return handle


@dataclass
class _Worker:
    """One supervisor process and the socket to it."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, frame: bytes) -> None:
        # If the supervisor is gone, the reader thread reports its tries.
        with self.send_lock, suppress(OSError):
            self.sock.sendall(frame)

    def exit_description(self) -> str:
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if code < 0:
            try:
                return f"was killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"


class LocalExecutor:
    """Runs tries in forked task processes of one warm supervisor process (see the module)."""

    def __init__(
        self,
        *,
        parallelism: int,
        request_handler: RequestHandler,
        logs_folder: Path,
        wake: Callable[[], None] | None = None,
        heartbeat_interval: float = 5.0,
        kill_grace: float = 5.0,
        stop_grace: float = 5.0,
        import_timeout: float = 30.0,
        tries_per_process: int = 100,
        preload: Sequence[str] = (),
        start_timeout: float = 60.0,
    ) -> None:
        if parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, not {parallelism}.")
        if tries_per_process < 1:
            raise ValueError(
                f"[executor] tries_per_task_process must be at least 1, not {tries_per_process}."
            )
        self.parallelism = parallelism
        self.logs_folder = Path(logs_folder)
        self._handler = request_handler
        self._wake = wake
        self._stop_grace = stop_grace
        self._start_timeout = start_timeout
        self._supervisor_args = [
            f"--heartbeat-interval={heartbeat_interval}",
            f"--kill-grace={kill_grace}",
            f"--import-timeout={import_timeout}",
            f"--tries-per-process={tries_per_process}",
            *(f"--preload={name}" for name in preload),
        ]
        self._lock = threading.Lock()
        self._queue: list[tuple[int, int, ExecuteTask]] = []
        self._order = itertools.count()
        self._queued: set[TaskInstanceKey] = set()
        self._in_flight: dict[TaskInstanceKey, ExecuteTask] = {}
        self._events: list[TaskEvent] = []
        self._heard: set[TaskInstanceKey] = set()
        self._worker: _Worker | None = None
        self._reader: threading.Thread | None = None
        self._stopping = False
        self._broken: str | None = None

    # -- the Executor interface ----------------------------------------------------------------

    def start(self) -> None:
        """Start the supervisor and wait until it is warm; raises ``WorkerStartError``."""
        if self._reader is not None:
            return
        worker = self._spawn()
        self._reader = threading.Thread(
            target=self._read_loop, name="tradewind-local-executor", daemon=True
        )
        with self._lock:
            self._worker = worker
            self._dispatch()
        self._reader.start()

    def submit(self, workload: ExecuteTask) -> None:
        key = workload.key
        with self._lock:
            if self._stopping or key in self._queued or key in self._in_flight:
                log.warning("Ignoring try %s: the executor is stopping or has it already", key)
                return
            if self._broken is None:
                heapq.heappush(self._queue, (-workload.priority, next(self._order), workload))
                self._queued.add(key)
                self._dispatch()
                return
            self._events.append(_lost_event(workload, self._broken))
        self._notify()

    def events(self) -> list[TaskEvent]:
        """Events that arrived since the last call (never blocks)."""
        with self._lock:
            events, self._events = self._events, []
        return events

    def tries(self) -> set[TaskInstanceKey]:
        """The tries waiting here or running, whose events have not arrived yet."""
        with self._lock:
            return self._queued | self._in_flight.keys()

    def kill(self, key: TaskInstanceKey, reason: str) -> None:
        """Stop a try whose state changed elsewhere (marked, cleared, timed out, a zombie).

        A waiting try is dropped (no event: its instance has moved on); a running one gets
        SIGTERM, then SIGKILL after the kill grace, and its event still arrives (stale, so
        the scheduler ignores it). ``reason`` goes into the try's log.
        """
        with self._lock:
            if key in self._queued:
                self._queued.discard(key)
                self._queue = [entry for entry in self._queue if entry[2].key != key]
                heapq.heapify(self._queue)
                return
            worker = self._worker if key in self._in_flight else None
        if worker is not None:
            worker.send(encode_frame({"kind": Kind.KILL, "key": key, "reason": reason}))

    def submit_callbacks(self, workload: RunDagCallbacks) -> None:
        """Call a DAG's run callbacks in a process of their own (outside the task slots)."""
        with self._lock:
            worker = None if self._stopping else self._worker
        if worker is None:
            log.warning(
                "The callbacks of DAG run %s of %s were not called: the worker is %s",
                workload.run.run_id,
                workload.run.dag_id,
                "stopping" if self._stopping else "restarting",
            )
            return
        log_path = callbacks_log_path(self.logs_folder, workload.run.dag_id, workload.run.run_id)
        worker.send(
            encode_frame({"kind": Kind.CALLBACKS, "workload": workload, "log_path": str(log_path)})
        )

    def heartbeats(self) -> set[TaskInstanceKey]:
        """Tries whose processes were heard from (started or heartbeat) since the last call."""
        with self._lock:
            heard, self._heard = self._heard, set()
        return heard

    def stop(self) -> None:
        """Stop every task process and the supervisor; tries still waiting are dropped.

        Running tries get SIGTERM (they end as failed or up for retry, and their events are
        still returned by :meth:`events`), SIGKILL after ``stop_grace`` seconds.
        """
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            self._queue.clear()
            self._queued.clear()
            worker = self._worker
        if worker is not None:
            worker.send(encode_frame({"kind": Kind.STOP, "grace": self._stop_grace}))
        if self._reader is not None:
            self._reader.join(timeout=self._stop_grace + 10)
        if worker is not None:
            try:
                worker.process.wait(timeout=self._stop_grace + 5)
            except subprocess.TimeoutExpired:
                worker.process.kill()  # its task processes die with it (parent-death signal)
                worker.process.wait()
            worker.sock.close()
        if self._reader is not None:
            self._reader.join(timeout=5)

    # -- state -----------------------------------------------------------------------------------

    @property
    def supervisor_pid(self) -> int | None:
        worker = self._worker
        return worker.process.pid if worker is not None else None

    @property
    def open_slots(self) -> int:
        """How many more tries would start at once if submitted now."""
        with self._lock:
            return max(0, self.parallelism - len(self._in_flight) - len(self._queue))

    def _dispatch(self) -> None:
        """Send waiting workloads while slots are free (the caller holds ``_lock``)."""
        worker = self._worker
        while worker is not None and self._queue and len(self._in_flight) < self.parallelism:
            _, _, workload = heapq.heappop(self._queue)
            self._queued.discard(workload.key)
            self._in_flight[workload.key] = workload
            log_path = task_log_path(self.logs_folder, workload.key)
            worker.send(
                encode_frame(
                    {"kind": Kind.WORKLOAD, "workload": workload, "log_path": str(log_path)}
                )
            )

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake()

    # -- the supervisor process ------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_SRC, env.get("PYTHONPATH")) if p)
        command = [
            sys.executable,
            "-m",
            "tradewind.runtime.supervisor",
            f"--fd={theirs.fileno()}",
            *self._supervisor_args,
        ]
        process = subprocess.Popen(
            command,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # Ctrl-C in the scheduler's terminal is the scheduler's
        )
        theirs.close()
        worker = _Worker(process, ours)
        try:
            ours.settimeout(self._start_timeout)
            messages: list[dict[str, Any]] = []
            while not messages:
                data = ours.recv(_CHUNK)
                if not data:
                    raise WorkerStartError(
                        f"The local executor's worker process {worker.exit_description()} while "
                        "starting; its error output is in the scheduler's log."
                    )
                messages = worker.decoder.feed(data)
            if messages[0].get("kind") != Kind.READY:
                raise FrameError(f"expected 'ready', got {messages[0].get('kind')!r}")
            ours.settimeout(None)
        except (OSError, FrameError) as error:
            process.kill()
            process.wait()
            ours.close()
            raise WorkerStartError(
                f"The local executor's worker process did not start ({error}); its error "
                "output is in the scheduler's log."
            ) from error
        except WorkerStartError:
            ours.close()
            raise
        return worker

    def _read_loop(self) -> None:
        while True:
            worker = self._worker
            if worker is None:
                return
            try:
                data = worker.sock.recv(_CHUNK)
                messages = worker.decoder.feed(data) if data else None
            except (OSError, FrameError) as error:
                log.error("The local executor lost its worker's stream: %s", error)
                worker.process.kill()
                messages = None
            if messages is None:
                if self._stopping or not self._replace_worker(worker):
                    return
                continue
            for message in messages:
                try:
                    self._on_message(worker, message)
                except Exception:  # the thread's boundary: one bad message must not end it
                    log.exception(
                        "The local executor could not handle a %r message", message.get("kind")
                    )

    def _on_message(self, worker: _Worker, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == Kind.EVENT:
            event: TaskEvent = from_wire(message["event"])
            with self._lock:
                self._in_flight.pop(event.key, None)
                self._events.append(event)
                self._dispatch()
            self._notify()
        elif kind == Kind.REQUEST:
            self._answer(worker, message)
        elif kind == Kind.HEARTBEAT:
            with self._lock:
                self._heard.update(from_wire(message["keys"]))
        elif kind == Kind.STARTED:
            with self._lock:
                self._heard.add(from_wire(message["key"]))

    def _answer(self, worker: _Worker, message: dict[str, Any]) -> None:
        method = str(message.get("method"))
        response: dict[str, Any] = {"kind": Kind.RESPONSE, "id": message.get("id")}
        try:
            if method not in EXECUTION_METHODS:
                raise TradewindError(f"A task asked for {method!r}, which is not a state request.")
            result = self._handler(method, from_wire(message.get("kwargs") or {}))
            frame = encode_frame({**response, "ok": True, "result": result})
        except Exception as error:  # the boundary: the task gets the error, the loop goes on
            if not isinstance(error, TradewindError):
                log.warning("The state request %s of a task failed", method, exc_info=True)
            frame = encode_frame({**response, "ok": False, "error": error_to_wire(error)})
        worker.send(frame)

    def _replace_worker(self, old: _Worker) -> bool:
        """Report the tries of a supervisor that died and start another; False if none starts."""
        reason = (
            f"The local executor's worker process (pid {old.process.pid}) {old.exit_description()}"
        )
        old.sock.close()
        with self._lock:
            self._worker = None
            lost = list(self._in_flight.values())
            self._in_flight.clear()
            self._events += [_lost_event(w, f"{reason} while the try was running.") for w in lost]
        if lost:
            self._notify()
        log.error("%s; starting another.", reason)
        try:
            new = self._spawn()
        except WorkerStartError as error:
            log.error("%s", error)
            with self._lock:
                self._broken = str(error)
                waiting = [w for _, _, w in self._queue]
                self._queue.clear()
                self._queued.clear()
                self._events += [_lost_event(w, self._broken) for w in waiting]
            self._notify()
            return False
        with self._lock:
            if self._stopping:
                new.process.kill()
                new.process.wait()
                new.sock.close()
                return False
            self._worker = new
            self._dispatch()
        return True


def _lost_event(workload: ExecuteTask, error: str) -> TaskEvent:
    retry = workload.key.try_number <= workload.max_tries
    now = datetime.now(UTC)
    return TaskEvent(
        key=workload.key,
        state=TaskInstanceState.UP_FOR_RETRY if retry else TaskInstanceState.FAILED,
        start_date=now,
        end_date=now,
        error=error,
    )
