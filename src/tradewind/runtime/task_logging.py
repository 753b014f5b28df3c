"""Task log lines: the running task's output, with the task they belong to.

While a try runs, ``print`` output and every log record carry the try's label (``task_id`` or
``task_id[map_index]``) in ``record.tw_task``; handlers set up by the executor or the CLI
decide where the lines go (a log file per try, or the console prefixed with the task).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
import sys
from collections.abc import Iterator
from typing import TextIO

TASK_LOGGER = "tradewind.task"

_current_task: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tradewind_current_task", default=None
)


class TaskLabelFilter(logging.Filter):
    """Adds ``record.tw_task``: the label of the try running in this context, or ``""``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.tw_task = _current_task.get() or ""
        return True


class _LogWriter(io.TextIOBase):
    """A text stream that logs each complete line it is given.

    A handler that writes to the redirected stream itself (``logging.lastResort`` when no
    handler is configured writes to ``sys.stderr``) would loop forever; text written while a
    line is being logged goes to the stream that was replaced instead.
    """

    def __init__(self, logger: logging.Logger, level: int, fallback: TextIO) -> None:
        self._logger = logger
        self._level = level
        self._fallback = fallback
        self._pending = ""
        self._logging = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._logging:
            return self._fallback.write(text)
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._log(line)
        return len(text)

    def flush(self) -> None:
        if self._pending and not self._logging:
            line, self._pending = self._pending, ""
            self._log(line)

    def _log(self, line: str) -> None:
        self._logging = True
        try:
            self._logger.log(self._level, line)
        finally:
            self._logging = False


@contextlib.contextmanager
def task_output(label: str) -> Iterator[logging.Logger]:
    """Label log records with ``label`` and send ``print`` output to the task logger."""
    logger = logging.getLogger(TASK_LOGGER)
    token = _current_task.set(label)
    out = _LogWriter(logger, logging.INFO, sys.stdout)
    err = _LogWriter(logger, logging.WARNING, sys.stderr)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield logger
    finally:
        out.flush()
        err.flush()
        _current_task.reset(token)
