"""Reading the log of one try: where it is, what was written past an offset, and following
it while the try runs. ``tradewind tasks logs`` and the REST API both read logs through here.

A try's log is one file (``contracts.log_files.task_log_path`` under the logs folder, or the
place ``log_location`` recorded, which may be an fsspec URL). Offsets are bytes. While the
try runs, reads stop at the last complete line, so a line being written is never cut in two;
once the try has ended, the rest of the file is read as it is. Following polls the file and
the try's state: there is nothing to wake a reader when a worker on another host writes.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session

from tradewind.config import Settings
from tradewind.contracts.log_files import task_log_path
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import TradewindError
from tradewind.server.specs import SessionFactory
from tradewind.storage.repos import logs as log_repo
from tradewind.storage.repos import task_instances as ti_repo

__all__ = [
    "LogChunk",
    "LogFile",
    "LogFollower",
    "LogUnreadableError",
    "follow",
    "follow_async",
    "log_location",
    "logs_folder",
    "read_log",
    "session_check",
    "try_is_on",
]

#: While its instance is in one of these states, the instance's current try may still write.
TRY_ON_STATES = frozenset({S.SCHEDULED, S.QUEUED, S.RUNNING, S.DEFERRED, S.UP_FOR_RESCHEDULE})

#: The most one read takes from a log file (a page of the API; one step of following).
CHUNK_BYTES = 1 << 20


class LogUnreadableError(TradewindError):
    """A try's log exists (or may) but cannot be read from here."""


def logs_folder(settings: Settings) -> Path:
    """The folder under which the executors write the tries' logs."""
    return settings.home / "logs"


def log_location(*, session: Session, folder: Path, key: TaskInstanceKey) -> str:
    """Where the try's log is: as recorded, else the conventional path under ``folder``."""
    recorded = log_repo.get_log_location(session=session, key=key)
    return recorded or str(task_log_path(folder, key))


def try_is_on(*, session: Session, key: TaskInstanceKey) -> bool:
    """Whether try ``key`` is still to start or running (so its log may still grow)."""
    ti = ti_repo.get_task_instance(
        session=session,
        dag_id=key.dag_id,
        run_id=key.run_id,
        task_id=key.task_id,
        map_index=key.map_index,
    )
    return ti is not None and ti.try_number == key.try_number and ti.state in TRY_ON_STATES


class LogFile:
    """A log file: a local path, a ``file://`` URL or another fsspec URL."""

    def __init__(self, location: str) -> None:
        self.location = location
        scheme, separator, rest = location.partition("://")
        self.path: Path | None = None
        if not separator:
            self.path = Path(location)
        elif scheme == "file":
            self.path = Path(rest)

    def exists(self) -> bool:
        try:
            if self.path is not None:
                return self.path.is_file()
            return bool(self._filesystem().exists(self.location))
        except OSError as error:
            raise self._unreadable(error) from None

    def read(self, offset: int, limit: int | None = None) -> bytes:
        """The bytes from ``offset`` on (at most ``limit``); none if the file is not there yet."""
        size = -1 if limit is None else limit
        try:
            if self.path is not None:
                with self.path.open("rb") as file:
                    file.seek(offset)
                    return file.read(size)
            filesystem = self._filesystem()
            if not filesystem.exists(self.location):
                return b""
            with filesystem.open(self.location, "rb") as file:
                file.seek(offset)
                return bytes(file.read(size))
        except FileNotFoundError:
            return b""
        except OSError as error:
            raise self._unreadable(error) from None

    def _unreadable(self, error: OSError) -> LogUnreadableError:
        return LogUnreadableError(
            f"The log at {self.location} cannot be read: {error.strerror or error}."
        )

    def _filesystem(self) -> Any:
        try:
            fsspec = importlib.import_module("fsspec")
        except ImportError:
            raise LogUnreadableError(
                f"The log is at {self.location}; reading it needs fsspec: `pip install fsspec`."
            ) from None
        filesystem, _ = fsspec.core.url_to_fs(self.location)
        return filesystem


@dataclass(frozen=True, slots=True)
class LogChunk:
    """What one read found: ``text``, where the next read starts, and whether that is all."""

    text: str
    next_offset: int
    #: The try has ended and the file was read to its end: nothing more will come.
    end_of_log: bool


def read_log(file: LogFile, offset: int, *, try_on: bool, limit: int | None) -> LogChunk:
    """Read ``file`` from ``offset``: whole lines only while the try is on (``try_on``, checked
    by the caller *before* calling, so that nothing written before the try ended is missed)."""
    data = file.read(offset, limit)
    reached_end = limit is None or len(data) < limit
    if not reached_end or try_on:
        cut = data.rfind(b"\n") + 1
        # A line longer than a whole chunk is cut rather than never read.
        if cut or reached_end:
            data = data[:cut]
    text = data.decode("utf-8", errors="replace")
    return LogChunk(text, offset + len(data), end_of_log=not try_on and reached_end)


class LogFollower:
    """Reads a try's log a step at a time, from ``offset``, until the try has ended."""

    def __init__(self, file: LogFile, is_on: Callable[[], bool], *, offset: int = 0) -> None:
        self.file = file
        self.is_on = is_on
        self.offset = offset
        self.ended = False

    def step(self) -> LogChunk:
        """What was written since the last step (the state is read first: see read_log)."""
        chunk = read_log(self.file, self.offset, try_on=self.is_on(), limit=CHUNK_BYTES)
        self.offset = chunk.next_offset
        self.ended = chunk.end_of_log
        return chunk


def follow(
    follower: LogFollower, *, poll_interval: float, sleep: Callable[[float], None] = time.sleep
) -> Iterator[str]:
    """The text of the log as it is written, until the try ends."""
    while True:
        chunk = follower.step()
        if chunk.text:
            yield chunk.text
        if chunk.end_of_log:
            return
        if not chunk.text:
            sleep(poll_interval)


async def follow_async(
    follower: LogFollower, *, poll_interval: float, max_seconds: float
) -> AsyncIterator[str]:
    """:func:`follow` for a server: the reads run in worker threads, the waits hold none.

    Stops after ``max_seconds`` even if the try still runs (``follower.ended`` says which);
    a client that goes away cancels it at its next wait.
    """
    deadline = time.monotonic() + max_seconds
    while True:
        chunk = await anyio.to_thread.run_sync(follower.step)
        if chunk.text:
            yield chunk.text
        if chunk.end_of_log or time.monotonic() >= deadline:
            return
        if not chunk.text:
            await anyio.sleep(poll_interval)


def session_check(session_factory: SessionFactory, key: TaskInstanceKey) -> Callable[[], bool]:
    """A ``LogFollower.is_on`` that asks the database in a session of its own each time."""

    def is_on() -> bool:
        with session_factory() as session:
            return try_is_on(session=session, key=key)

    return is_on
