"""Probes of the server scenarios (see :class:`bench.measure.Probe`).

* :class:`RunProbe`: one server, one DAG; each run is triggered and read back from the
  database: trigger → success, and the chain's mean gap or the fan-out's throughput;
* :class:`ReadyProbe`: launch → ready, in a new home (a user's first start: migrations, the
  example DAGs parsed);
* :class:`IdleRssProbe`: the resident memory of the server and every process it started,
  after start-up, idle;
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
from bench.servers import RunTimes, Server, ServerFailed, resident_megabytes

#: Makes a server for a home folder and a database URL ("" for the default SQLite file);
#: ``defaults=True``: as a user's first start makes it (see ``System.server``).
ServerFactory = Callable[..., Server]


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


class RunProbe(_Probe):
    """Runs of one DAG through one server: ``shape`` is "chain" or "fanout"."""

    def __init__(
        self,
        make_server: ServerFactory,
        work: Path,
        database: str,
        dag_id: str,
        source: str,
        shape: str,
    ) -> None:
        self.make_server = make_server
        self.work = work
        self.database = database
        self.dag_id = dag_id
        self.source = source
        self.shape = shape
        self.figures = {"total": Figure("trigger → success")}
        if shape == "chain":
            self.figures["gap"] = Figure("mean task-to-task gap")
        else:
            self.figures["throughput"] = Figure("throughput, first start → last end", "tasks/s")
        self._stack = ExitStack()
        self._server: Server | None = None

    def __enter__(self) -> RunProbe:
        url = self._stack.enter_context(provision(self.database))
        home = Path(tempfile.mkdtemp(prefix=f"{self.dag_id}-{self.database}-", dir=self.work))
        server = self.make_server(home, url)
        (server.dags_folder).mkdir(parents=True, exist_ok=True)
        (server.dags_folder / f"{self.dag_id}.py").write_text(self.source)
        self._stack.callback(server.stop)
        server.start()
        server.wait_for_dag(self.dag_id)
        self._server = server
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.close()

    def measure(self) -> dict[str, float]:
        assert self._server is not None
        run = self._server.wait_for_run(self.dag_id, self._server.trigger(self.dag_id))
        if run.state != "success":
            raise ServerFailed(f"A run of {self.dag_id} ended {run.state}")
        figures = {"total": (run.end - run.queued_at).total_seconds()}
        if self.shape == "chain":
            figures["gap"] = mean_gap(run)
        else:
            first = min(task.start for task in run.tasks)
            last = max(task.end for task in run.tasks)
            figures["throughput"] = len(run.tasks) / (last - first).total_seconds()
        return figures


def mean_gap(run: RunTimes) -> float:
    """The mean time from one task's end to the next one's start, in a chain."""
    tasks = sorted(run.tasks, key=lambda task: task.start)
    gaps = [(b.start - a.end).total_seconds() for a, b in itertools.pairwise(tasks)]
    return statistics.mean(gaps)


class ReadyProbe(_Probe):
    """Launch → ready of a server in a new home, each run, as a user first starts it."""

    figures = {"ready": Figure("launch → ready (new home)")}

    def __init__(self, make_server: ServerFactory, work: Path, database: str) -> None:
        self.make_server = make_server
        self.work = work
        self.database = database

    def measure(self) -> dict[str, float]:
        with provision(self.database) as url:
            home = Path(tempfile.mkdtemp(prefix="ready-", dir=self.work))
            server = self.make_server(home, url, defaults=True)
            try:
                return {"ready": server.start()}
            finally:
                server.stop()


class IdleRssProbe(_Probe):
    """The resident memory of a started, idle server and of every process below it (as a
    user first starts it: with the example DAGs)."""

    figures = {"rss": Figure("RSS of all its processes, idle", "MB")}

    def __init__(
        self, make_server: ServerFactory, work: Path, database: str, idle_seconds: float = 3.0
    ) -> None:
        self.make_server = make_server
        self.work = work
        self.database = database
        self.idle_seconds = idle_seconds

    def measure(self) -> dict[str, float]:
        with provision(self.database) as url:
            home = Path(tempfile.mkdtemp(prefix="idle-", dir=self.work))
            server = self.make_server(home, url, defaults=True)
            try:
                server.start()
                time.sleep(self.idle_seconds)
                return {"rss": resident_megabytes(server.pid)}
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
