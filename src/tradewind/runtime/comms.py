"""The framed protocol between an executor, its supervisor and the task processes.

Three kinds of process talk over stream sockets::

    executor (in the scheduler) ──socket── supervisor (warm parent) ──socketpair── task process
                                                                    ──socketpair── task process

**Frames.** Each message is one frame: a 4-byte big-endian length, then that many bytes of
UTF-8 JSON holding one object with a ``"kind"``. Values JSON cannot hold (datetimes, tuples,
the contract enums and dataclasses: ``ExecuteTask``, ``RunDagCallbacks``, ``TaskEvent``,
``TaskInstanceKey``, ``DagRunInfo``) are tagged ``{"__tw__": tag, ...}``; the codec is
:mod:`tradewind.contracts.frames`, shared with the executors, which may not import this
package.

**Messages** (``key`` is a ``TaskInstanceKey``; every message also has ``"kind"``)::

    supervisor → executor
      ready      {pid}                      once, when the warm imports are done
      started    {key, pid}                 a task process was forked for a try
      request    {id, method, kwargs}       a running task asks for state (relayed, see below)
      event      {event: TaskEvent}         how a try ended: exactly one per workload
      heartbeat  {keys: [key, ...]}         every heartbeat interval: the tries still running
      stopped    {}                         after ``stop``: no task process is left
    executor → supervisor
      workload   {workload: ExecuteTask, log_path: str}
      response   {id, ok: true, result} | {id, ok: false, error: {type, message, attrs}}
      stop       {grace: float}             SIGTERM every task process, SIGKILL after grace
      kill       {key, reason}              stop one try (its state changed elsewhere): SIGTERM,
                                            SIGKILL after the kill grace; its event still comes
      callbacks  {workload: RunDagCallbacks, log_path: str}
                                            call a DAG's run callbacks in a process of their own
    task process → supervisor
      request    {id, method, kwargs}       one ``ExecutionClient`` call; the caller blocks
      event      {event: TaskEvent, reusable?: true}
                                            the runner's result; with ``reusable`` the process
                                            waits for another workload instead of exiting
    supervisor → task process
      response   as above
      workload   {workload, log_path}       the next try, to a process that said ``reusable``
                                            (closing the socket instead retires the process)

**Requests.** ``method`` is one of :data:`~tradewind.contracts.frames.EXECUTION_METHODS` and
``kwargs`` its keyword arguments. The supervisor renumbers a task's request ids into its own
sequence before relaying, and the executor answers by calling its request handler; an error
comes back by class name, and a :class:`~tradewind.errors.TradewindError` subclass is raised
again as that class in the task (so ``except DagRunAlreadyExistsError`` works in task code).

**Endings.** A task process that exits without sending an event (``os._exit``, a signal, a
hard kill past its execution timeout) gets an event from the supervisor naming the exit code,
the signal or the reason. When the executor's socket closes, the supervisor stops every task
process and exits; when the supervisor's socket closes, the executor reports every try it had
in flight as failed (or up for retry) and starts a new supervisor.

**Logs never travel over these sockets**: a task process writes its own log file.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from contextlib import suppress
from datetime import datetime
from typing import Any

import tradewind.errors
from tradewind.contracts.frames import FrameDecoder, Kind, encode_frame, from_wire
from tradewind.contracts.runs import DagRunInfo, TaskInstanceKey
from tradewind.errors import TradewindError

__all__ = [
    "Channel",
    "ChannelClient",
    "Connection",
    "ExecutionRequestError",
    "WorkerConnectionLostError",
    "remote_error",
]

_CHUNK = 1 << 18


class ExecutionRequestError(TradewindError):
    """A state request of a running task failed on the executor's side."""


class WorkerConnectionLostError(TradewindError):
    """The task process lost its connection to the supervisor (the worker is stopping)."""


def remote_error(payload: dict[str, Any]) -> Exception:
    """The exception to raise in the task for an error response."""
    name, message = str(payload.get("type", "Error")), str(payload.get("message", ""))
    cls = getattr(tradewind.errors, name, None)
    if isinstance(cls, type) and issubclass(cls, TradewindError):
        error: Exception = cls.__new__(cls)
        Exception.__init__(error, message)
        for attr, value in dict(payload.get("attrs") or {}).items():
            with suppress(AttributeError):
                setattr(error, attr, value)
        return error
    return ExecutionRequestError(f"{name}: {message}" if message else name)


class Channel:
    """A blocking, message-at-a-time end of a socket: what a task process uses."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(True)
        self._sock = sock
        self._decoder = FrameDecoder()
        self._ready: deque[dict[str, Any]] = deque()

    def send(self, message: dict[str, Any]) -> None:
        self._sock.sendall(encode_frame(message))

    def receive(self) -> dict[str, Any] | None:
        """The next message (still in wire form), or ``None`` once the peer has closed."""
        while not self._ready:
            data = self._sock.recv(_CHUNK)
            if not data:
                return None
            self._ready.extend(self._decoder.feed(data))
        return self._ready.popleft()

    def close(self) -> None:
        self._sock.close()


class Connection:
    """A non-blocking, buffered end of a socket: what the supervisor's event loop uses."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.closed = False
        #: The peer closed its end (or the socket broke); what it sent was still delivered.
        self.eof = False
        self._decoder = FrameDecoder()
        self._out = bytearray()

    def fileno(self) -> int:
        return self.sock.fileno()

    def receive(self) -> list[dict[str, Any]]:
        """Every complete message that has arrived (wire form); sets ``eof`` at the end."""
        messages: list[dict[str, Any]] = []
        while not self.eof and not self.closed:
            try:
                data = self.sock.recv(_CHUNK)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self.eof = True
                break
            messages.extend(self._decoder.feed(data))
        return messages

    def send(self, message: dict[str, Any], *, wire: bool = False) -> None:
        """Queue ``message`` and send what the socket takes now; see :meth:`flush`."""
        if self.closed:
            return
        self._out += encode_frame(message, wire=wire)
        self.flush()

    def flush(self) -> None:
        while self._out and not self.closed:
            try:
                sent = self.sock.send(self._out)
            except BlockingIOError:
                return
            except OSError:  # the peer is gone: nothing more can reach it
                self._out.clear()
                self.eof = True
                return
            del self._out[:sent]

    @property
    def wants_write(self) -> bool:
        return bool(self._out) and not self.closed

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._out.clear()
            self.sock.close()


class ChannelClient:
    """An ``ExecutionClient`` whose every call is a request over a :class:`Channel`.

    Calls from several threads of one task are serialized: one request in flight at a time.
    """

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._lock = threading.Lock()
        self._next_id = 0

    def call(self, method: str, **kwargs: Any) -> Any:
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            try:
                self._channel.send(
                    {"kind": Kind.REQUEST, "id": request_id, "method": method, "kwargs": kwargs}
                )
                while True:
                    message = self._channel.receive()
                    if message is None:
                        break
                    if message.get("kind") == Kind.RESPONSE and message.get("id") == request_id:
                        if message.get("ok"):
                            return from_wire(message.get("result"))
                        raise remote_error(dict(message.get("error") or {}))
            except OSError as error:
                raise WorkerConnectionLostError(
                    f"The task lost its connection to the worker during {method}: {error}."
                ) from error
        raise WorkerConnectionLostError(
            f"The worker closed the connection during {method}; it is probably stopping."
        )

    def send_event(self, event: Any, *, reusable: bool = False) -> None:
        """Send the try's event; ``reusable``: this process now waits for another workload."""
        message: dict[str, Any] = {"kind": Kind.EVENT, "event": event}
        if reusable:
            message["reusable"] = True
        self._channel.send(message)

    # -- ExecutionClient ---------------------------------------------------------------------

    def get_run_info(self, dag_id: str, run_id: str) -> DagRunInfo:
        info: DagRunInfo = self.call("get_run_info", dag_id=dag_id, run_id=run_id)
        return info

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        value: str | None = self.call(
            "get_xcom", dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, key=key
        )
        return value

    def get_prior_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        value: str | None = self.call(
            "get_prior_xcom",
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=map_index,
            key=key,
        )
        return value

    def list_xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[tuple[int, str]]:
        values: list[tuple[int, str]] = self.call(
            "list_xcom", dag_id=dag_id, run_id=run_id, task_id=task_id, key=key
        )
        return values

    def set_xcom(self, ti: TaskInstanceKey, key: str, value: str) -> None:
        self.call("set_xcom", ti=ti, key=key, value=value)

    def get_task_states(self, dag_id: str, run_id: str, task_id: str) -> dict[int, str | None]:
        states: dict[int, str | None] = self.call(
            "get_task_states", dag_id=dag_id, run_id=run_id, task_id=task_id
        )
        return states

    def get_variable(self, key: str) -> str | None:
        value: str | None = self.call("get_variable", key=key)
        return value

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self.call("get_connection", conn_id=conn_id)
        return value

    def trigger_dag_run(
        self,
        *,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any],
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> str:
        value: str = self.call(
            "trigger_dag_run",
            dag_id=dag_id,
            run_id=run_id,
            conf=conf,
            logical_date=logical_date,
            reset_dag_run=reset_dag_run,
        )
        return value

    def get_dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        value: str | None = self.call("get_dag_run_state", dag_id=dag_id, run_id=run_id)
        return value
