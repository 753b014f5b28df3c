"""The warm parent: forks task processes for tries, relays their requests, reports their ends.

The local executor starts it as ``python -m tradewind.runtime.supervisor --fd N`` (a fresh
interpreter, never a fork of the scheduler, which holds threads and database connections)
and speaks the protocol of :mod:`tradewind.runtime.comms` over the socket ``N``.

At start it imports Tradewind's authoring API, runner and standard operators, so that task
processes fork warm. For each workload it imports the DAG file if this version of it is not
imported yet (:class:`~tradewind.runtime.dag_cache.DagFileCache`) and hands it to an idle
task process forked for the same import of that file, or forks a new one
(:func:`~tradewind.runtime.task_process.run_task_process`). A task process whose try ended
cleanly says it is reusable and waits for the next try (up to ``tries_per_process`` tries;
an idle one is retired after ``idle_timeout``); reuse saves the fork and the set-up that
make up most of a short try's cost. Then, from one single-threaded event loop:

* relays the task's state requests to the executor and the answers back;
* forwards the task's event, or makes one when the process ended without one (naming its
  exit code or signal; up for retry while ``try_number <= max_tries``);
* sends a heartbeat with the running tries every heartbeat interval (a try whose process is
  stopped, by SIGSTOP or a debugger, is left out: it is not making progress);
* kills a task process still alive ``kill_grace`` seconds after its execution timeout (the
  runner's own alarm should have ended it: this catches code that swallows the timeout);
* on ``kill`` stops one try (its state changed elsewhere): SIGTERM, SIGKILL after the grace;
* on ``callbacks`` forks a process that calls a DAG's run callbacks
  (:mod:`~tradewind.runtime.dag_callbacks`), killed if it runs past the callback timeout;
* on ``stop`` (or SIGTERM, or the executor's socket closing) sends SIGTERM to every task
  process, SIGKILL after the grace period, and exits once all are gone.

Each task process leads a process group; when it ends, whatever it left running in its group
is killed, so a try leaves no process behind.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import pkgutil
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.frames import FrameError, Kind, error_to_wire, from_wire
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState
from tradewind.contracts.workloads import ExecuteTask, RunDagCallbacks
from tradewind.logging import configure_logging, get_logger
from tradewind.runtime.comms import Connection, WorkerConnectionLostError
from tradewind.runtime.dag_cache import DagFileCache
from tradewind.runtime.dag_callbacks import run_dag_callbacks_process
from tradewind.runtime.loader import LoadResult
from tradewind.runtime.task_process import (
    environment_masker,
    run_task_process,
    write_log_line,
)

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG

__all__ = ["Supervisor", "SupervisorOptions", "main", "warm_up"]

log = get_logger(__name__)

#: Packages imported at start, so that task processes fork with them loaded.
WARM_PACKAGES = ("tradewind.operators", "tradewind.sensors")


@dataclass(frozen=True)
class SupervisorOptions:
    #: Seconds between heartbeats of the running tries.
    heartbeat_interval: float = 5.0
    #: Seconds past a task's execution timeout before its process is killed.
    kill_grace: float = 5.0
    #: Seconds one DAG file may take to import.
    import_timeout: float = 30.0
    #: Seconds a DAG's run callbacks may take before their process is killed.
    callback_timeout: float = 60.0
    #: Tries one task process may run, one after the other; 1: a fresh process for each.
    tries_per_process: int = 100
    #: Seconds an idle reusable task process waits for a try before it is retired.
    idle_timeout: float = 30.0


@dataclass(eq=False)
class _TaskProcess:
    """A forked task process: running a try, or idle and waiting for one."""

    pid: int
    conn: Connection
    #: The import of the DAG file it was forked with: it runs tries of that import only.
    loaded: LoadResult
    try_: _Try | None = None
    tries: int = 0
    #: While idle: when (monotonic) it is retired if no try comes.
    idle_until: float | None = None


@dataclass(eq=False)
class _Try:
    workload: ExecuteTask
    log_path: Path
    process: _TaskProcess
    start_date: datetime
    timeout: float | None
    #: When (monotonic) to kill the process if it is still running.
    deadline: float | None
    reported: bool = False
    kill_reason: str | None = None


@dataclass
class _CallbackProcess:
    """A process calling a DAG's run callbacks."""

    workload: RunDagCallbacks
    log_path: Path
    #: When (monotonic) to kill it if it is still running; None once killed.
    deadline: float | None


def _now() -> datetime:
    return datetime.now(UTC)


def _signal_group(pid: int, signum: int) -> None:
    with suppress(OSError):
        os.killpg(pid, signum)


def _noop(signum: int, frame: FrameType | None) -> None:
    """A Python-level SIGCHLD handler, so that the signal wakes the loop's wakeup fd."""


class Supervisor:
    """The event loop of one warm parent, serving one executor over ``sock``."""

    def __init__(self, sock: socket.socket, options: SupervisorOptions | None = None) -> None:
        self.options = options or SupervisorOptions()
        self.cache = DagFileCache(import_timeout=self.options.import_timeout)
        #: The environment's secrets, found once: each task process extends its own copy.
        self._masker = environment_masker()
        self._executor = Connection(sock)
        self._executor_gone = False
        self._selector = selectors.DefaultSelector()
        self._masks: dict[int, int] = {}
        self._processes: dict[int, _TaskProcess] = {}
        self._callbacks: dict[int, _CallbackProcess] = {}
        self._relayed: dict[int, tuple[_Try, Any]] = {}
        self._next_request_id = 0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._sigterm = False
        self._stop_deadline: float | None = None
        self._killed_all = False
        self._next_heartbeat = time.monotonic()
        self._hostname = socket.gethostname()

    # -- the loop ----------------------------------------------------------------------------

    def serve(self) -> None:
        """Run until stopped; every task process has ended when this returns."""
        self._install_signals()
        self._selector.register(self._wake_r, selectors.EVENT_READ, self._drain_wakeups)
        self._watch(self._executor, self._on_executor)
        self._executor.send({"kind": Kind.READY, "pid": os.getpid()})
        while True:
            if self._sigterm:
                self._begin_stop(self.options.kill_grace)
            if self._stop_deadline is not None and not self._processes and not self._callbacks:
                break
            self._refresh_interest()
            for key, mask in self._selector.select(self._timeout()):
                key.data(mask)
            self._reap()
            self._enforce_deadlines()
            self._send_heartbeats()
        self._finish()

    def _install_signals(self) -> None:
        signal.signal(signal.SIGCHLD, _noop)
        signal.signal(signal.SIGTERM, self._on_sigterm)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the executor decides when to stop
        signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self._sigterm = True

    def _drain_wakeups(self, mask: int) -> None:
        with suppress(BlockingIOError):
            while os.read(self._wake_r, 512):
                pass

    def _timeout(self) -> float | None:
        now = time.monotonic()
        tries = self._running_tries()
        moments = [t.deadline for t in tries if t.deadline is not None]
        moments += [p.idle_until for p in self._processes.values() if p.idle_until is not None]
        moments += [c.deadline for c in self._callbacks.values() if c.deadline is not None]
        if tries:
            moments.append(self._next_heartbeat)
        if self._stop_deadline is not None and not self._killed_all:
            moments.append(self._stop_deadline)
        return max(0.0, min(moments) - now) if moments else None

    def _running_tries(self) -> list[_Try]:
        return [p.try_ for p in self._processes.values() if p.try_ is not None]

    def _watch(self, conn: Connection, callback: Callable[[int], None]) -> None:
        self._selector.register(conn.sock, selectors.EVENT_READ, callback)
        self._masks[conn.fileno()] = selectors.EVENT_READ

    def _forget(self, conn: Connection) -> None:
        if not conn.closed:
            self._masks.pop(conn.fileno(), None)
            with suppress(KeyError, ValueError):
                self._selector.unregister(conn.sock)
            conn.close()

    def _refresh_interest(self) -> None:
        conns = [p.conn for p in self._processes.values()]
        if not self._executor_gone:
            conns.append(self._executor)
        for conn in conns:
            if conn.closed:
                continue
            wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.wants_write else 0)
            if self._masks.get(conn.fileno()) != wanted:
                key = self._selector.get_key(conn.sock)
                self._selector.modify(conn.sock, wanted, key.data)
                self._masks[conn.fileno()] = wanted

    # -- the executor's side -----------------------------------------------------------------

    def _on_executor(self, mask: int) -> None:
        if mask & selectors.EVENT_WRITE:
            self._executor.flush()
        if mask & selectors.EVENT_READ:
            try:
                messages = self._executor.receive()
            except FrameError as error:
                log.error("The executor's stream is corrupt (%s); stopping", error)
                messages, self._executor.eof = [], True
            for message in messages:
                self._on_executor_message(message)
        if self._executor.eof:
            self._executor_gone = True
            self._forget(self._executor)
            self._begin_stop(self.options.kill_grace)

    def _on_executor_message(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == Kind.WORKLOAD:
            self._start_try(from_wire(message["workload"]), Path(message["log_path"]))
        elif kind == Kind.RESPONSE:
            relayed = self._relayed.pop(message.get("id", -1), None)
            if relayed is not None:
                try_, request_id = relayed
                try_.process.conn.send({**message, "id": request_id}, wire=True)
        elif kind == Kind.STOP:
            self._begin_stop(float(message.get("grace", self.options.kill_grace)))
        elif kind == Kind.KILL:
            self._kill_try(from_wire(message["key"]), str(message.get("reason")))
        elif kind == Kind.CALLBACKS:
            self._start_callbacks(from_wire(message["workload"]), Path(message["log_path"]))
        else:
            log.warning("Ignoring a message of unknown kind %r from the executor", kind)

    def _send(self, message: dict[str, Any]) -> None:
        if not self._executor_gone:
            self._executor.send(message)

    # -- starting a try ----------------------------------------------------------------------

    def _start_try(self, workload: ExecuteTask, log_path: Path) -> None:
        if self._stop_deadline is not None:
            self._report(
                workload, _now(), "The worker was stopping; the try did not start.", pid=None
            )
            return
        if any(t.workload.key == workload.key for t in self._running_tries()):
            log.warning("Try %s is running already; ignoring it", workload.key)
            return
        start_date = _now()
        try:
            loaded = self.cache.get(workload.dag_file)
        finally:
            self._install_signals()  # a DAG file may have installed handlers of its own
        dag = loaded.dags.get(workload.key.dag_id)
        if dag is None:
            error = _not_loadable(workload.dag_file, workload.key.dag_id, loaded)
            write_log_line(log_path, error)
            self._report(workload, start_date, error, pid=None)
            return
        timeout = _execution_timeout(workload, dag)
        deadline = None if timeout is None else time.monotonic() + timeout + self.options.kill_grace
        process = self._idle_process(loaded)
        if process is None:
            process = self._fork(workload, loaded, log_path)
        else:
            process.idle_until = None
            process.conn.send(
                {"kind": Kind.WORKLOAD, "workload": workload, "log_path": str(log_path)}
            )
        process.tries += 1
        process.try_ = _Try(
            workload=workload,
            log_path=log_path,
            process=process,
            start_date=start_date,
            timeout=timeout,
            deadline=deadline,
        )
        self._send({"kind": Kind.STARTED, "key": workload.key, "pid": process.pid})

    def _idle_process(self, loaded: LoadResult) -> _TaskProcess | None:
        for process in self._processes.values():
            if process.idle_until is not None and process.loaded is loaded:
                return process
        return None

    def _fork(self, workload: ExecuteTask, loaded: LoadResult, log_path: Path) -> _TaskProcess:
        ours, theirs = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        supervisor_pid = os.getpid()
        gc.freeze()  # keep the inherited objects' pages shared: the child's gc never writes them
        pid = os.fork()
        if pid == 0:  # the task process
            try:
                run_task_process(
                    workload=workload,
                    dags=loaded.dags,
                    sock=theirs,
                    log_path=log_path,
                    parent_pid=supervisor_pid,
                    forget_parent=lambda: self._close_in_child(ours),
                    masker=self._masker,
                    reuse=self.options.tries_per_process > 1,
                )
            finally:
                os._exit(1)
        gc.unfreeze()
        theirs.close()
        with suppress(OSError):  # as the child does: the group exists before anyone kills it
            os.setpgid(pid, pid)
        process = _TaskProcess(pid=pid, conn=Connection(ours), loaded=loaded)
        self._processes[pid] = process
        self._watch(process.conn, lambda mask: self._on_child(process, mask))
        return process

    def _retire(self, process: _TaskProcess) -> None:
        """End an idle task process: it exits when its socket closes (and is reaped)."""
        process.idle_until = None
        self._forget(process.conn)

    def _close_in_child(self, ours: socket.socket | None) -> None:
        """In a new child process: close every descriptor that belongs to the supervisor."""
        if ours is not None:
            ours.close()
        self._selector.close()
        self._executor.sock.close()
        for process in self._processes.values():
            process.conn.sock.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _kill_try(self, key: TaskInstanceKey, reason: str) -> None:
        """Stop one try: SIGTERM now, SIGKILL after the kill grace (its event still comes)."""
        for try_ in self._running_tries():
            if try_.workload.key == key and not try_.reported:
                write_log_line(try_.log_path, reason)
                try_.kill_reason = reason
                try_.deadline = time.monotonic() + self.options.kill_grace
                _signal_group(try_.process.pid, signal.SIGTERM)
                _signal_group(try_.process.pid, signal.SIGCONT)  # a stopped process must see it
                return

    # -- a DAG's run callbacks ---------------------------------------------------------------

    def _start_callbacks(self, workload: RunDagCallbacks, log_path: Path) -> None:
        if self._stop_deadline is not None:
            write_log_line(
                log_path, "The worker was stopping; the DAG's callbacks were not called."
            )
            return
        try:
            loaded = self.cache.get(workload.dag_file)
        finally:
            self._install_signals()
        dag = loaded.dags.get(workload.run.dag_id)
        if dag is None:
            reason = _not_loadable(workload.dag_file, workload.run.dag_id, loaded)
            write_log_line(log_path, f"The DAG's callbacks were not called: {reason}")
            return
        sys.stdout.flush()
        sys.stderr.flush()
        supervisor_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # the callbacks' process
            try:
                run_dag_callbacks_process(
                    workload=workload,
                    dag=dag,
                    log_path=log_path,
                    parent_pid=supervisor_pid,
                    forget_parent=lambda: self._close_in_child(None),
                )
            finally:
                os._exit(1)
        with suppress(OSError):
            os.setpgid(pid, pid)
        self._callbacks[pid] = _CallbackProcess(
            workload, log_path, time.monotonic() + self.options.callback_timeout
        )

    def _end_callbacks(self, pid: int, status: int) -> None:
        process = self._callbacks.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            write_log_line(
                process.log_path,
                f"The DAG's callbacks' process (pid {pid}) was killed by signal {-code}.",
            )

    # -- a running try -----------------------------------------------------------------------

    def _on_child(self, process: _TaskProcess, mask: int) -> None:
        if mask & selectors.EVENT_WRITE:
            process.conn.flush()
        if mask & selectors.EVENT_READ:
            self._read_child(process)
        if process.conn.eof:
            process.idle_until = None
            self._forget(process.conn)

    def _read_child(self, process: _TaskProcess) -> None:
        try:
            messages = process.conn.receive()
        except FrameError as error:  # task code wrote into its channel: end the try
            if process.try_ is not None:
                process.try_.kill_reason = (
                    f"The task's process broke its channel to the worker: {error}"
                )
            _signal_group(process.pid, signal.SIGKILL)
            messages, process.conn.eof = [], True
        for message in messages:
            if process.try_ is not None:
                self._on_child_message(process.try_, message)

    def _on_child_message(self, try_: _Try, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == Kind.REQUEST:
            if self._executor_gone:
                error = WorkerConnectionLostError("The worker lost its executor; it is stopping.")
                try_.process.conn.send(
                    {
                        "kind": Kind.RESPONSE,
                        "id": message.get("id"),
                        "ok": False,
                        "error": error_to_wire(error),
                    }
                )
                return
            self._next_request_id += 1
            self._relayed[self._next_request_id] = (try_, message.get("id"))
            self._executor.send({**message, "id": self._next_request_id}, wire=True)
        elif kind == Kind.EVENT and not try_.reported:
            event = from_wire(message.get("event"))
            if not isinstance(event, TaskEvent) or event.key != try_.workload.key:
                log.warning(
                    "Ignoring an event for another try from the process of %s", try_.process.pid
                )
                return
            try_.reported = True
            self._send({"kind": Kind.EVENT, "event": event})
            if message.get("reusable"):
                self._after_reusable_try(try_)

    def _after_reusable_try(self, try_: _Try) -> None:
        """The try's process waits for another try: keep it idle, or retire it."""
        process = try_.process
        process.try_ = None
        if (
            self._stop_deadline is None
            and try_.kill_reason is None
            and process.tries < self.options.tries_per_process
        ):
            process.idle_until = time.monotonic() + self.options.idle_timeout
        else:
            self._retire(process)

    def _reap(self) -> None:
        while self._processes or self._callbacks:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None:
                return
            # The ended process is a zombie until reaped, so its group id cannot be reused:
            # kill what the try left running in its group, then reap it.
            _signal_group(info.si_pid, signal.SIGKILL)
            _, status = os.waitpid(info.si_pid, 0)
            process = self._processes.pop(info.si_pid, None)
            if process is not None:
                self._end_process(process, status)
            elif info.si_pid in self._callbacks:
                self._end_callbacks(info.si_pid, status)

    def _end_process(self, process: _TaskProcess, status: int) -> None:
        if not process.conn.closed:
            self._read_child(process)  # what it sent just before it ended
            self._forget(process.conn)
        try_ = process.try_
        if try_ is None:  # idle: no try was running
            return
        self._relayed = {k: v for k, v in self._relayed.items() if v[0] is not try_}
        if try_.reported:
            return
        error = try_.kill_reason or _death_reason(process.pid, status)
        write_log_line(try_.log_path, error)
        self._report(try_.workload, try_.start_date, error, pid=process.pid)

    def _report(
        self, workload: ExecuteTask, start_date: datetime, error: str, *, pid: int | None
    ) -> None:
        """Send the event of a try that ended without one of its own."""
        retry = workload.key.try_number <= workload.max_tries
        event = TaskEvent(
            key=workload.key,
            state=TaskInstanceState.UP_FOR_RETRY if retry else TaskInstanceState.FAILED,
            start_date=start_date,
            end_date=_now(),
            error=error,
            hostname=self._hostname,
            pid=pid,
        )
        self._send({"kind": Kind.EVENT, "event": event})

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for try_ in self._running_tries():
            if try_.deadline is not None and now >= try_.deadline:
                try_.deadline = None
                try_.kill_reason = try_.kill_reason or (
                    f"The task ran past its execution_timeout of {try_.timeout:g} s and did not "
                    f"stop; its process was killed {self.options.kill_grace:g} s later."
                )
                _signal_group(try_.process.pid, signal.SIGKILL)
        for idle in list(self._processes.values()):
            if idle.idle_until is not None and now >= idle.idle_until:
                self._retire(idle)
        for pid, process in self._callbacks.items():
            if process.deadline is not None and now >= process.deadline:
                process.deadline = None
                write_log_line(
                    process.log_path,
                    f"The DAG's callbacks ran past {self.options.callback_timeout:g} s; "
                    "their process was killed.",
                )
                _signal_group(pid, signal.SIGKILL)
        if self._stop_deadline is not None and now >= self._stop_deadline and not self._killed_all:
            self._killed_all = True
            for pid in [*self._processes, *self._callbacks]:
                _signal_group(pid, signal.SIGKILL)

    def _send_heartbeats(self) -> None:
        now = time.monotonic()
        if now < self._next_heartbeat:
            return
        self._next_heartbeat = now + self.options.heartbeat_interval
        # A stopped process (SIGSTOP, a debugger) makes no progress: it does not heartbeat,
        # so the scheduler treats it as a zombie once the timeout passes.
        keys: list[TaskInstanceKey] = [
            t.workload.key
            for t in self._running_tries()
            if not t.reported and not _is_stopped(t.process.pid)
        ]
        if keys:
            self._send({"kind": Kind.HEARTBEAT, "keys": keys})

    # -- stopping ----------------------------------------------------------------------------

    def _begin_stop(self, grace: float) -> None:
        if self._stop_deadline is not None:
            return
        self._stop_deadline = time.monotonic() + grace
        for try_ in self._running_tries():
            try_.kill_reason = try_.kill_reason or (
                "The worker stopped while the try was running; its process was terminated."
            )
        for pid in self._processes:
            _signal_group(pid, signal.SIGTERM)
        for pid in self._callbacks:
            _signal_group(pid, signal.SIGTERM)

    def _finish(self) -> None:
        if not self._executor_gone:
            self._send({"kind": Kind.STOPPED})
            with suppress(OSError):
                self._executor.sock.setblocking(True)
                self._executor.sock.settimeout(5.0)
                self._executor.flush()
            self._forget(self._executor)
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)


def _is_stopped(pid: int) -> bool:
    """Whether the process is stopped by a signal or a tracer (Linux; False elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rpartition(b")")[2].split()[0] in (b"T", b"t")


def _not_loadable(path: str, dag_id: str, loaded: LoadResult) -> str:
    if loaded.errors:
        first = loaded.errors[0]
        return f"DAG file {first.location} could not be imported: {first.message}"
    defined = ", ".join(sorted(loaded.dags)) or "no DAGs"
    return f"DAG {dag_id!r} is not defined in {path} (it defines {defined}); was it renamed?"


def _execution_timeout(workload: ExecuteTask, dag: DAG) -> float | None:
    """The try's execution timeout in seconds: the workload's if it says, else the task's."""
    seconds: Any = getattr(workload, "execution_timeout", None)
    if seconds is None:
        task = dag.task_dict.get(workload.key.task_id)
        seconds = getattr(task, "execution_timeout", None)
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    return float(seconds) if seconds else None


def _death_reason(pid: int, status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"The task's process (pid {pid}) exited with code {code} before reporting a result."
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "an unknown signal"
    return (
        f"The task's process (pid {pid}) was killed by signal {name} ({-code}) before "
        "reporting a result."
    )


def warm_up(modules: Sequence[str] = ()) -> None:
    """Import what task processes need, so that they inherit it instead of importing it."""
    import tradewind.runtime.runner  # noqa: F401  (the runner and the authoring API)
    from tradewind.runtime.task_process import resolve_system_calls

    resolve_system_calls()

    names = list(modules)
    for package_name in WARM_PACKAGES:
        package = importlib.import_module(package_name)
        names += [m.name for m in pkgutil.iter_modules(package.__path__, f"{package_name}.")]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            log.warning("Could not preload %s", name, exc_info=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tradewind.runtime.supervisor")
    parser.add_argument("--fd", type=int, required=True, help="the executor's socket")
    parser.add_argument("--heartbeat-interval", type=float, default=5.0)
    parser.add_argument("--kill-grace", type=float, default=5.0)
    parser.add_argument("--import-timeout", type=float, default=30.0)
    parser.add_argument("--tries-per-process", type=int, default=100)
    parser.add_argument("--idle-timeout", type=float, default=30.0)
    parser.add_argument("--preload", action="append", default=[], help="a module to import")
    args = parser.parse_args(argv)
    os.dup2(2, 1)  # what DAG files print while imported here goes to stderr, never to fd 1
    configure_logging(logging.WARNING)
    warm_up(args.preload)
    options = SupervisorOptions(
        heartbeat_interval=args.heartbeat_interval,
        kill_grace=args.kill_grace,
        import_timeout=args.import_timeout,
        tries_per_process=args.tries_per_process,
        idle_timeout=args.idle_timeout,
    )
    Supervisor(socket.socket(fileno=args.fd), options).serve()


if __name__ == "__main__":
    main()
