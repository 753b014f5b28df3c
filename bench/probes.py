"""Probes of the server scenarios (see :class:`bench.measure.Probe`).

Every counted run of a probe is one fresh server session: the runner enters the probe
(a new home, a new database, the server started), measures once and leaves it (the server
stopped, its whole process group gone), so two systems measured in turn never run at once.

* :class:`RunProbe`: one DAG through one server, triggered and read back from the database:
  trigger → success, and the chain's mean gap or the fan-out's throughput;
* :class:`ReadyProbe`: launch → health endpoint answers, in a new home (the database made
  and migrated), then once more in the same home (a restart);
* :class:`IdleMemoryProbe`: the memory of a started, idle server and of every process below
  it: RSS and PSS summed, and how many processes;
* :class:`FloorProbe`: the physical floor under those figures on this machine: forking a
  warm Python process, one commit on the database.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from bench.databases import provision
from bench.measure import Figure
from bench.processes import process_count, proportional_megabytes, resident_megabytes
from bench.servers import RunTimes, Server, ServerFailed

#: Makes a server for a home folder and a database URL ("" for the default SQLite file).
ServerFactory = Callable[[Path, str], Server]

#: Seconds a server may take to answer its health endpoint.
START_TIMEOUT = 180.0


class _Probe:
    figures: dict[str, Figure] = {}

    def __enter__(self) -> _Probe:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def measure(self) -> dict[str, float]:
        raise NotImplementedError


class RunProbe(_Probe):
    """A run of one DAG through a new server: ``shape`` is "chain" (tasks one after the
    other: the mean gap between them is a figure) or "fanout" (its throughput is)."""

    def __init__(
        self,
        make_server: ServerFactory,
        work: Path,
        database: str,
        dag_id: str,
        source: str,
        shape: str,
        timeout: float = 600.0,
    ) -> None:
        self.make_server = make_server
        self.work = work
        self.database = database
        self.dag_id = dag_id
        self.source = source
        self.shape = shape
        self.timeout = timeout
        self.figures = {"total": Figure("trigger → success")}
        if shape == "chain":
            self.figures["gap"] = Figure("mean task-to-task gap")
        elif shape == "fanout":
            self.figures["throughput"] = Figure("throughput, first start → last end", "tasks/s")
        self._stack = ExitStack()
        self._server: Server | None = None

    def __enter__(self) -> RunProbe:
        self._stack = ExitStack()
        try:
            url = self._stack.enter_context(provision(self.database))
            home = Path(tempfile.mkdtemp(prefix=f"{self.dag_id}-{self.database}-", dir=self.work))
            server = self.make_server(home, url)
            server.dags_folder.mkdir(parents=True, exist_ok=True)
            (server.dags_folder / f"{self.dag_id}.py").write_text(self.source)
            self._stack.callback(server.stop)
            server.start(START_TIMEOUT)
            server.wait_for_dag(self.dag_id, START_TIMEOUT)
        except BaseException:
            self._stack.close()
            raise
        self._server = server
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server = None
        self._stack.close()

    def measure(self) -> dict[str, float]:
        assert self._server is not None
        run_id = self._server.trigger(self.dag_id)
        run = self._server.wait_for_run(self.dag_id, run_id, self.timeout)
        if run.state != "success":
            raise ServerFailed(f"the run of {self.dag_id} ended {run.state}")
        figures = {"total": (run.end - run.queued_at).total_seconds()}
        if self.shape == "chain":
            figures["gap"] = mean_gap(run)
        elif self.shape == "fanout":
            figures["throughput"] = throughput(run)
        return figures


def mean_gap(run: RunTimes) -> float:
    """The mean time from one task's end to the next one's start, in a chain."""
    tasks = sorted(run.tasks, key=lambda task: task.start)
    gaps = [(b.start - a.end).total_seconds() for a, b in itertools.pairwise(tasks)]
    return statistics.mean(gaps)


def throughput(run: RunTimes) -> float:
    """Tasks per second, from the first task's start to the last task's end."""
    first = min(task.start for task in run.tasks)
    last = max(task.end for task in run.tasks)
    return len(run.tasks) / (last - first).total_seconds()


class ReadyProbe(_Probe):
    """Launch → health answers of a server in a new home, then of its restart."""

    figures = {
        "ready": Figure("launch → health answers (new home)"),
        "restart": Figure("restart → health answers (same home)"),
    }

    def __init__(self, make_server: ServerFactory, work: Path, database: str) -> None:
        self.make_server = make_server
        self.work = work
        self.database = database

    def measure(self) -> dict[str, float]:
        figures = {}
        with provision(self.database) as url:
            home = Path(tempfile.mkdtemp(prefix="ready-", dir=self.work))
            for figure in ("ready", "restart"):
                server = self.make_server(home, url)
                try:
                    figures[figure] = server.start(START_TIMEOUT)
                finally:
                    server.stop()
        return figures


class IdleMemoryProbe(_Probe):
    """The memory of a started, idle server and of every process below it."""

    figures = {
        "rss": Figure("RSS of all its processes, idle", "MB"),
        "pss": Figure("PSS of all its processes, idle (shared pages split)", "MB"),
        "processes": Figure("processes, idle", "processes"),
    }

    def __init__(
        self, make_server: ServerFactory, work: Path, database: str, idle_seconds: float = 5.0
    ) -> None:
        self.make_server = make_server
        self.work = work
        self.database = database
        self.idle_seconds = idle_seconds

    def measure(self) -> dict[str, float]:
        with provision(self.database) as url:
            home = Path(tempfile.mkdtemp(prefix="idle-", dir=self.work))
            server = self.make_server(home, url)
            try:
                server.start(START_TIMEOUT)
                time.sleep(self.idle_seconds)
                return {
                    "rss": resident_megabytes(server.pid),
                    "pss": proportional_megabytes(server.pid),
                    "processes": float(process_count(server.pid)),
                }
            finally:
                server.stop()


class FloorProbe(_Probe):
    """What no orchestrator on this machine can beat: a fork, a commit."""

    def __init__(self, work: Path, database: str, rounds: int = 200) -> None:
        self.work = work
        self.database = database
        self.rounds = rounds
        self.figures = {
            "fork": Figure("fork + exit + reap of a warm Python process"),
            "commit": Figure(f"one {self.database} commit (insert one row)"),
        }

    def measure(self) -> dict[str, float]:
        return {"fork": self._fork(), "commit": self._commit()}

    def _fork(self) -> float:
        import tradewind.runtime.runner  # noqa: F401  (warm: as the supervisor is)

        start = time.perf_counter()
        for _ in range(self.rounds):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
        return (time.perf_counter() - start) / self.rounds

    def _commit(self) -> float:
        from sqlalchemy import Column, Integer, MetaData, String, Table, insert

        from tradewind.storage.engine import create_engine_from_url

        with provision(self.database) as url:
            folder = Path(tempfile.mkdtemp(prefix="floor-", dir=self.work))
            engine = create_engine_from_url(url or f"sqlite:///{folder / 'floor.db'}")
            table = Table(
                "floor",
                MetaData(),
                Column("id", Integer, primary_key=True),
                Column("value", String(50)),
            )
            table.create(engine)
            try:
                with engine.connect() as connection:
                    start = time.perf_counter()
                    for i in range(self.rounds):
                        connection.execute(insert(table).values(value=f"row {i}"))
                        connection.commit()
                    return (time.perf_counter() - start) / self.rounds
            finally:
                engine.dispose()
