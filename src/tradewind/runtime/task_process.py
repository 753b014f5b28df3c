"""Tries in their own process: what a task process forked by the supervisor does.

The process leads its own process group (so a hard kill also ends what the task started),
dies with the supervisor, writes each try's log file itself (file descriptors 1 and 2 point
at it, and log records go through a masking formatter), reaches state only through the
supervisor (:class:`~tradewind.runtime.comms.ChannelClient`) and sends the runner's event.

When reuse is allowed and the try ended successfully (or skipped) leaving the process as it
found it (:class:`~tradewind.runtime.process_state.ProcessBaseline`), the event says the
process is reusable and the process waits for its next workload, a try of a task of the
same DAG file; otherwise, or when the supervisor closes the socket instead, it ends with
``os._exit`` so that nothing inherited from the warm parent runs at exit.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, TextIO

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.frames import Kind, from_wire
from tradewind.contracts.log_files import LOG_DATE_FORMAT, LOG_FORMAT
from tradewind.contracts.states import TaskInstanceState
from tradewind.contracts.workloads import ExecuteTask
from tradewind.runtime.comms import Channel, ChannelClient
from tradewind.runtime.masking import Masker, MaskingClient, MaskingFormatter
from tradewind.runtime.process_state import ProcessBaseline, resident_bytes
from tradewind.runtime.runner import run_task, task_label

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG

__all__ = [
    "TaskTerminated",
    "environment_masker",
    "prepare_child_process",
    "resolve_system_calls",
    "run_task_process",
    "write_log_line",
]

_PR_SET_PDEATHSIG = 1

log = logging.getLogger("tradewind.task")

#: How a try must end for its process to run another one: a failure may have left it broken.
_REUSABLE_AFTER = frozenset({TaskInstanceState.SUCCESS, TaskInstanceState.SKIPPED})
#: A reusable process may grow this far past its size at fork before it is retired.
MEMORY_GROWTH_LIMIT = 256 * 1024 * 1024


class TaskTerminated(SystemExit):
    """SIGTERM arrived (the worker is stopping, or the try's state was changed elsewhere);
    the try ends as failed (or up for retry)."""

    def __str__(self) -> str:
        return (
            "The task was terminated (SIGTERM): its worker is stopping, or its state was "
            "changed elsewhere."
        )


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM kills at once
    raise TaskTerminated(1)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` (Linux), looked up once: task processes fork with it resolved."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        # The process's own symbols include libc's (find_library would run ldconfig).
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


def resolve_system_calls() -> None:
    """Look up what task processes call through ctypes, in the parent that forks them."""
    _prctl()


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when the supervisor dies (best effort elsewhere)."""
    prctl = _prctl()
    if prctl is not None:
        with suppress(OSError):
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _reset_signals() -> None:
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGALRM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, _on_sigterm)


def _open_log(log_path: Path) -> logging.Handler:
    """Point fds 0-2 at /dev/null and the log file, and return a masking-ready handler."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(null)
    # Streams of their own on the log file: sys.stdout may be redirected to the task logger
    # while the task runs, and the handler must never write into that loop.
    handler = _TryLogHandler(_text_stream(fd, closefd=True))
    sys.stdout = _text_stream(1, closefd=False)
    sys.stderr = _text_stream(2, closefd=False)
    return handler


class _TryLogHandler(logging.StreamHandler[TextIO]):
    """The handler writing one try's log file; closing it closes the file."""

    def close(self) -> None:
        with suppress(Exception):
            self.flush()
            self.stream.close()
        super().close()


def _text_stream(fd: int, *, closefd: bool) -> TextIO:
    """A line-buffered text stream on ``fd`` that lives as long as the process."""
    return open(fd, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=closefd)


def _configure_logging(handler: logging.Handler, masker: Masker) -> None:
    formatter = MaskingFormatter(masker, LOG_FORMAT, LOG_DATE_FORMAT)
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for earlier in list(root.handlers):
        root.removeHandler(earlier)
        if isinstance(earlier, _TryLogHandler):  # the previous try's, in a reused process
            earlier.close()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def write_log_line(log_path: Path, message: str) -> None:
    """Append a line from the supervisor to a try's log file (best effort: never raises)."""
    stamp = time.strftime(LOG_DATE_FORMAT, time.gmtime())
    with suppress(OSError):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as file:
            file.write(f"[{stamp}Z] {{tradewind.supervisor}} ERROR - {message}\n")


def environment_masker() -> Masker:
    """A masker of the secrets in this process's environment; the supervisor builds it once
    and each forked process extends its own copy."""
    masker = Masker()
    masker.add_environment_variables(os.environ)
    return masker


def prepare_child_process(
    log_path: Path,
    forget_parent: Callable[[], None],
    *,
    parent_pid: int,
    masker: Masker | None = None,
) -> Masker:
    """Set up a process just forked by the supervisor: its own process group, death with
    the supervisor, none of the supervisor's descriptors, output and logging into
    ``log_path`` through a masking formatter (returned, for more secrets to mask).
    ``masker``: what :func:`environment_masker` built before the fork."""
    os.setpgid(0, 0)
    _reset_signals()
    _die_with_parent(parent_pid)
    forget_parent()
    if masker is None:
        masker = environment_masker()
    _configure_logging(_open_log(log_path), masker)
    return masker


def run_task_process(
    *,
    workload: ExecuteTask,
    dags: Mapping[str, DAG],
    sock: socket.socket,
    log_path: Path,
    parent_pid: int,
    forget_parent: Callable[[], None],
    masker: Masker | None = None,
    reuse: bool = False,
) -> NoReturn:
    """Run tries in this freshly forked process, then exit; never returns.

    ``dags``: the DAGs of the workload's DAG file, as the supervisor imported it.
    ``forget_parent`` closes what the supervisor holds (its sockets, its selector) in this
    process, so that only the supervisor keeps them open. With ``reuse``, a try that ends
    cleanly is followed by the next workload the supervisor sends, if it sends one.
    """
    code = 1
    try:
        try_masker = prepare_child_process(
            log_path, forget_parent, parent_pid=parent_pid, masker=masker
        )
        # Each try masks the environment's secrets and its own, not an earlier try's.
        environment_secrets = try_masker.copy()
        sys.path.insert(0, str(Path(workload.dag_file).parent))
        memory_limit = resident_bytes() + MEMORY_GROWTH_LIMIT
        channel = Channel(sock)
        client = ChannelClient(channel)
        while True:
            baseline = ProcessBaseline.take() if reuse else None
            event = _run_try(workload, dags[workload.key.dag_id], client, try_masker)
            reusable = baseline is not None and event.state in _REUSABLE_AFTER
            if baseline is not None and reusable:
                changes = baseline.changes(memory_limit=memory_limit)
                if changes:
                    log.info("This process runs no further try: %s.", "; ".join(changes))
                    reusable = False
            client.send_event(dataclasses.replace(event, pid=os.getpid()), reusable=reusable)
            code = 0
            next_try = _next_workload(channel) if reusable else None
            if next_try is None:
                break
            workload, log_path = next_try
            try_masker = environment_secrets.copy()
            _configure_logging(_open_log(log_path), try_masker)
    except BaseException:  # this process's own machinery failed: say why in the log
        with suppress(BaseException):
            traceback.print_exc()
    finally:
        with suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
            logging.shutdown()
        os._exit(code)


def _run_try(workload: ExecuteTask, dag: DAG, client: ChannelClient, masker: Masker) -> TaskEvent:
    if workload.run is not None:  # what the client would have registered, had it been asked
        masker.add_sensitive_items(workload.run.conf)
    key = workload.key
    log.info(
        "Running %s of DAG %s, run %s, try %d (pid %d)",
        task_label(key.task_id, key.map_index),
        key.dag_id,
        key.run_id,
        key.try_number,
        os.getpid(),
    )
    event = run_task(workload, dag, MaskingClient(client, masker))
    log.info("Try ended: %s", event.state)
    return event


def _next_workload(channel: Channel) -> tuple[ExecuteTask, Path] | None:
    """Wait for the supervisor's next workload; None when it retires this process instead
    (closes the socket) or stops the worker (SIGTERM)."""
    try:
        message = channel.receive()
    except TaskTerminated:
        return None
    if message is None or message.get("kind") != Kind.WORKLOAD:
        return None
    return from_wire(message["workload"]), Path(message["log_path"])
