"""Whether a task process is left as it was found by a try: the condition for reusing it.

A task process that ended a try cleanly may run the next try of a task of the same DAG file
(see :mod:`tradewind.runtime.supervisor`), which saves a fork, its copy-on-write faults and
the process's set-up. "Cleanly" is what can be checked cheaply after every try: no thread or
child process left running, and the environment, working directory, import path, open file
descriptors and signal handlers as they were before it. What a task keeps in module globals
is not checked: ``[executor] tries_per_task_process = 1`` gives every try a fresh process.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessBaseline", "resident_bytes"]

_SIGNALS = tuple(s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP))


def resident_bytes() -> int:
    """This process's resident memory (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _open_descriptors() -> frozenset[str]:
    try:
        return frozenset(os.listdir("/proc/self/fd"))  # noqa: PTH208 (names suffice)
    except OSError:
        return frozenset()


def _has_child_processes() -> bool:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return pid == 0 or _has_child_processes()  # a child that just ended is reaped, then look on


def _handlers() -> tuple[object, ...]:
    handlers: list[object] = []
    for signum in _SIGNALS:
        with suppress(ValueError, OSError):
            handlers.append(signal.getsignal(signum))
    return tuple(handlers)


@dataclass(frozen=True)
class ProcessBaseline:
    """What a try must leave as it found it, read just before the try."""

    environ: dict[str, str]
    cwd: Path
    path: tuple[str, ...]
    descriptors: frozenset[str]
    handlers: tuple[object, ...]

    @classmethod
    def take(cls) -> ProcessBaseline:
        return cls(
            environ=dict(os.environ),
            cwd=Path.cwd(),
            path=tuple(sys.path),
            descriptors=_open_descriptors(),
            handlers=_handlers(),
        )

    def changes(self, *, memory_limit: int) -> list[str]:
        """Why the process may not run another try (empty: it may)."""
        reasons = []
        if threading.active_count() > 1:
            reasons.append("threads the try started are still running")
        if _has_child_processes():
            reasons.append("processes the try started are still running")
        if dict(os.environ) != self.environ:
            reasons.append("the try changed the environment")
        with suppress(OSError):
            if Path.cwd() != self.cwd:
                reasons.append("the try changed the working directory")
        if tuple(sys.path) != self.path:
            reasons.append("the try changed sys.path")
        if _open_descriptors() != self.descriptors:
            reasons.append("the try left files or sockets open")
        if _handlers() != self.handlers:
            reasons.append("the try changed signal handlers")
        if memory_limit and resident_bytes() > memory_limit:
            reasons.append("the process has grown past its memory limit")
        return reasons
