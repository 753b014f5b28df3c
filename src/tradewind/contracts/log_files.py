"""Task log files: where the log of each try goes, and what its lines look like.

The executors write one file per try at :func:`task_log_path` under the logs folder (and a
run's DAG callbacks at :func:`callbacks_log_path`); the
CLI and the REST API read them back (``server.task_logs``). A line written through logging
reads ``[2024-05-01T12:00:00.123Z] {logger} LEVEL - message`` (:data:`LOG_FORMAT`);
:func:`parse_log_line` takes such a line apart. Output that bypassed logging (a child
process writing to the file descriptor, a traceback's continuation lines) has no prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tradewind.contracts.runs import TaskInstanceKey

__all__ = [
    "LOG_DATE_FORMAT",
    "LOG_FORMAT",
    "LogLine",
    "callbacks_log_path",
    "parse_log_line",
    "task_log_path",
]

#: The ``logging`` format of a try's log lines (times in UTC).
LOG_FORMAT = "[%(asctime)s.%(msecs)03dZ] {%(name)s} %(levelname)s - %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

_LINE = re.compile(
    r"\[(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z\] "
    r"\{(?P<logger>[^}]*)\} (?P<level>[A-Z]+) - (?P<message>.*)",
    re.DOTALL,
)


def _log_file(logs_folder: Path, folders: list[str], name: str) -> Path:
    # An id may hold "/": escaped, it stays one folder.
    return Path(logs_folder, *(part.replace("/", "%2F") for part in folders), name)


def task_log_path(logs_folder: Path, key: TaskInstanceKey) -> Path:
    """Where the log of one try goes: ``dag_id=…/run_id=…/task_id=…/[map_index=…/]attempt=N.log``."""
    folders = [f"dag_id={key.dag_id}", f"run_id={key.run_id}", f"task_id={key.task_id}"]
    if key.map_index >= 0:
        folders.append(f"map_index={key.map_index}")
    return _log_file(logs_folder, folders, f"attempt={key.try_number}.log")


def callbacks_log_path(logs_folder: Path, dag_id: str, run_id: str) -> Path:
    """Where the log of a run's DAG callbacks goes: ``dag_id=…/run_id=…/dag_callbacks.log``."""
    return _log_file(logs_folder, [f"dag_id={dag_id}", f"run_id={run_id}"], "dag_callbacks.log")


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of a try's log; lines without the logging prefix have only ``message``."""

    message: str
    timestamp: datetime | None = None
    level: str | None = None
    logger: str | None = None


def parse_log_line(line: str) -> LogLine:
    """Split a log line (without its newline) into its time, logger, level and message."""
    match = _LINE.fullmatch(line)
    if match is None:
        return LogLine(line)
    try:
        timestamp = datetime.fromisoformat(match["time"]).replace(tzinfo=UTC)
    except ValueError:  # the shape of a date, but not a real one (month 13…)
        return LogLine(line)
    return LogLine(match["message"], timestamp, match["level"].lower(), match["logger"])
