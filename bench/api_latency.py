"""REST API latency under load: ``python -m bench.api_latency [--db sqlite|postgres|both]``.

For each database: a fresh metadata database (a SQLite file, or a PostgreSQL schema of its
own on ``--postgres-url``) gets one DAG and ``--runs`` finished runs of it, written in bulk
through the storage layer's tables (not one HTTP call each). A real ``tradewind
api-server`` process (``--workers`` of them) serves it, and a load generator in another
process keeps ``--clients`` connections busy for ``--seconds`` per scenario:

- ``list``: ``GET /api/v2/dags/{dag_id}/dagRuns?limit=100`` with a bearer token (and
  once from a single client: the latency of one request on an idle server);
- ``list (Basic)``: the same with HTTP Basic credentials, as Airflow 2 scripts send them;
- ``trigger under load``: ``POST /api/v2/dags/{dag_id}/dagRuns`` from a few clients while
  the others keep listing (the two kinds are reported apart).

It prints p50/p99, requests per second and the CPU per request of the server and of the
load generator, and writes ``bench/results/api_latency.md``. The generator is ``wrk``
(``apt-get install wrk``) when it is installed, since it costs far less CPU than any Python
client, else a small asyncio HTTP/1.1 client (``--generator`` chooses); both keep one
connection per client alive. Either way it shares the machine's cores with the server, and
the report says which one ran.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import json
import multiprocessing
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DAG_ID = "bench_list"
DAG_FILE = f'''
from datetime import datetime

from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("{DAG_ID}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="extract") >> EmptyOperator(task_id="load")
'''
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).parent / "results" / "api_latency.md"
LIST_PATH = f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100"
TRIGGER_PATH = f"/api/v2/dags/{DAG_ID}/dagRuns"
#: Clients that trigger runs in the mixed scenario; the others list.
TRIGGER_CLIENTS = 2
#: Seconds between two scenarios.
SETTLE_SECONDS = 1.0


# -- the database -------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, home: Path, postgres_url: str) -> Iterator[str]:
    """A migrated, empty metadata database's URL; a PostgreSQL schema is dropped after."""
    from sqlalchemy import make_url, text

    from tradewind.storage.engine import create_engine_from_url
    from tradewind.storage.migrate import migrate

    if kind == "sqlite":
        url = f"sqlite:///{home / 'tradewind.db'}"
        engine = create_engine_from_url(url)
        migrate(engine)
        engine.dispose()
        yield url
        return
    schema = f"bench_api_{uuid.uuid4().hex[:10]}"
    server = create_engine_from_url(postgres_url)
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(postgres_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        engine = create_engine_from_url(url)
        migrate(engine)
        engine.dispose()
        yield url
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def seed(url: str, home: Path, runs: int) -> str:
    """The DAG, ``runs`` finished runs of it with their task instances, and an admin user;
    returns the admin's password."""
    from sqlalchemy import insert, select

    from tradewind.api.auth.users import create_user
    from tradewind.contracts.runs import DagRunType
    from tradewind.contracts.states import DagRunState, TaskInstanceState
    from tradewind.server.dag_processor import DagProcessor
    from tradewind.storage.engine import create_engine_from_url, session_factory
    from tradewind.storage.rows import DagRunRow, DagVersionRow, TaskInstanceRow

    dags = home / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    (dags / "bench_list.py").write_text(DAG_FILE)
    engine = create_engine_from_url(url)
    sessions = session_factory(engine)
    DagProcessor(
        session_factory=sessions, dags_folders=[dags], paused_at_creation=False
    ).parse_once()
    password = secrets.token_urlsafe(16)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        create_user(session, username="admin", password=password, role="Admin")
        version = session.execute(
            select(DagVersionRow.id, DagVersionRow.version_hash).where(
                DagVersionRow.dag_id == DAG_ID
            )
        ).one()
        run_rows, ti_rows = [], []
        for number in range(runs):
            when = start + timedelta(hours=number)
            run_id = f"scheduled__{when.isoformat()}"
            run_rows.append(
                {
                    "dag_id": DAG_ID,
                    "run_id": run_id,
                    "run_type": DagRunType.SCHEDULED,
                    "logical_date": when,
                    "data_interval_start": when,
                    "data_interval_end": when + timedelta(hours=1),
                    "run_after": when + timedelta(hours=1),
                    "state": DagRunState.SUCCESS,
                    "conf": {},
                    "dag_version_id": version.id,
                    "dag_version_hash": version.version_hash,
                    "queued_at": when,
                    "start_date": when,
                    "end_date": when + timedelta(seconds=3),
                }
            )
            for task_id in ("extract", "load"):
                ti_rows.append(
                    {
                        "dag_id": DAG_ID,
                        "run_id": run_id,
                        "task_id": task_id,
                        "map_index": -1,
                        "state": TaskInstanceState.SUCCESS,
                        "try_number": 1,
                        "start_date": when,
                        "end_date": when + timedelta(seconds=1),
                        "operator": "EmptyOperator",
                    }
                )
        for offset in range(0, len(run_rows), 5000):
            session.execute(insert(DagRunRow), run_rows[offset : offset + 5000])
        for offset in range(0, len(ti_rows), 5000):
            session.execute(insert(TaskInstanceRow), ti_rows[offset : offset + 5000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Planner statistics, and on PostgreSQL the visibility map that lets a count read the
        # index alone: what autovacuum keeps for a database that grew over time.
        postgres = engine.dialect.name == "postgresql"
        connection.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
    engine.dispose()
    return password


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """CPU time used by a process and its children (the API workers), from ``/proc``."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for each in [pid, *map(int, children)]:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Served:
    pid: int
    port: int


@contextlib.contextmanager
def api_server(url: str, home: Path, workers: int) -> Iterator[Served]:
    """A ``tradewind api-server`` process on a free port, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "TRADEWIND_HOME": str(home),
        "TRADEWIND_DATABASE_URL": url,
        "TRADEWIND__CORE__LOAD_EXAMPLES": "false",
    }
    command = [sys.executable, "-m", "tradewind", "api-server", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/version", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"The API server did not start:\n{stderr}") from None
                time.sleep(0.1)
        yield Served(process.pid, port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def token(port: int, password: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/auth/token",
        data=json.dumps({"username": "admin", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(json.load(reply)["access_token"])


# -- the load generator -------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What one group of clients sends, over and over."""

    name: str
    clients: int
    method: str
    path: str
    authorization: str
    body: bytes = b""


@dataclass(frozen=True)
class Measured:
    """What one job's clients saw: latencies in seconds."""

    requests: int
    seconds: float
    p50: float
    p99: float
    max: float
    errors: int


async def _client(
    port: int, job: Job, stop_at: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"{job.method} {job.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {job.authorization}\r\nAccept: application/json\r\n"
    )
    if job.body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(job.body)}\r\n"
    request = head.encode() + b"\r\n" + job.body
    try:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            if status >= 300:
                errors.append(status)
    finally:
        writer.close()


def _summary(latencies: list[float], errors: int, seconds: float) -> Measured:
    ordered = sorted(latencies)
    if not ordered:
        return Measured(0, seconds, 0.0, 0.0, 0.0, errors)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive")
    return Measured(
        len(ordered), seconds, statistics.median(ordered), quantiles[98], ordered[-1], errors
    )


async def _drive(port: int, jobs: list[Job], seconds: float) -> dict[str, Measured]:
    stop_at = time.monotonic() + seconds
    results: dict[str, tuple[list[float], list[int]]] = {}
    tasks = []
    for job in jobs:
        latencies: list[float] = []
        errors: list[int] = []
        results[job.name] = (latencies, errors)
        tasks += [_client(port, job, stop_at, latencies, errors) for _ in range(job.clients)]
    started = time.monotonic()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {
        name: _summary(latencies, len(errors), elapsed)
        for name, (latencies, errors) in results.items()
    }


def _generate(port: int, jobs: list[Job], seconds: float, out: Any) -> None:
    out.put(asyncio.run(_drive(port, jobs, seconds)))


def _run_asyncio(server: Served, jobs: list[Job], seconds: float) -> dict[str, Measured]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_generate, args=(server.port, jobs, seconds, queue))
    process.start()
    result: dict[str, Measured] = queue.get(timeout=seconds + 120)
    process.join()
    return result


#: wrk's script for one job: the request, and a summary line of JSON when it is done.
WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
wrk.headers["Authorization"] = {authorization}
wrk.headers["Accept"] = "application/json"
{content_type}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "microseconds": %d, "errors": %d, "p50": %d, "p99": %d, "max": %d}}\\n',
    summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _wrk_script(job: Job, folder: Path) -> Path:
    """The job as a wrk Lua script (JSON string literals are Lua ones for ASCII text)."""
    script = folder / f"{job.name}.lua"
    script.write_text(
        WRK_SCRIPT.format(
            method=json.dumps(job.method),
            body=json.dumps(job.body.decode()) if job.body else "nil",
            authorization=json.dumps(job.authorization),
            content_type='wrk.headers["Content-Type"] = "application/json"' if job.body else "",
        )
    )
    return script


def _run_wrk(server: Served, jobs: list[Job], seconds: float) -> dict[str, Measured]:
    """One wrk process per job (one thread each), all at once."""
    with tempfile.TemporaryDirectory(prefix="tw-wrk-") as folder:
        processes = {
            job.name: subprocess.Popen(
                [
                    "wrk",
                    "--threads=1",
                    f"--connections={job.clients}",
                    f"--duration={max(1, round(seconds))}s",
                    "--timeout=60s",
                    f"--script={_wrk_script(job, Path(folder))}",
                    f"http://127.0.0.1:{server.port}{job.path}",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for job in jobs
        }
        result = {}
        for name, process in processes.items():
            output, _ = process.communicate(timeout=seconds + 120)
            lines = [line for line in output.splitlines() if line.startswith('{"requests"')]
            if process.returncode != 0 or not lines:
                raise RuntimeError(f"wrk failed for {name}:\n{output}")
            figures = json.loads(lines[-1])
            result[name] = Measured(
                requests=figures["requests"],
                seconds=figures["microseconds"] / 1e6,
                p50=figures["p50"] / 1e6,
                p99=figures["p99"] / 1e6,
                max=figures["max"] / 1e6,
                errors=figures["errors"],
            )
        return result


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_load(
    server: Served, jobs: list[Job], seconds: float, generator: str
) -> tuple[dict[str, Measured], float | None, float]:
    """Drive ``jobs`` from another process: what each job saw, the server's CPU seconds
    meanwhile (None when ``/proc`` cannot tell), and the load generator's."""
    # The last scenario's connections close first: a scenario starts on an idle server.
    time.sleep(SETTLE_SECONDS)
    before, generator_before = cpu_seconds(server.pid), children_cpu_seconds()
    run = _run_wrk if generator == "wrk" else _run_asyncio
    result = run(server, jobs, seconds)
    after, generator_after = cpu_seconds(server.pid), children_cpu_seconds()
    server_cpu = None if before is None or after is None else after - before
    return result, server_cpu, generator_after - generator_before


# -- the report ---------------------------------------------------------------------------------


@dataclass
class Row:
    database: str
    scenario: str
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    cpu_ms: float | None = None
    generator_cpu_ms: float | None = None


def summarize(
    database: str,
    scenario: str,
    measured: Measured,
    server_cpu: float | None,
    generator_cpu: float | None = None,
) -> Row:
    """One scenario's figures; the CPU seconds of the server and of the load generator over
    all of the scenario's requests are shared out per request."""
    per_request = 1000 / measured.requests if measured.requests else 0.0
    return Row(
        database=database,
        scenario=scenario,
        requests=measured.requests,
        per_second=measured.requests / measured.seconds if measured.seconds else 0.0,
        p50_ms=measured.p50 * 1000,
        p99_ms=measured.p99 * 1000,
        max_ms=measured.max * 1000,
        errors=measured.errors,
        cpu_ms=None if server_cpu is None else server_cpu * per_request,
        generator_cpu_ms=None if generator_cpu is None else generator_cpu * per_request,
    )


GENERATORS = {
    "wrk": "`wrk` (one thread per group of clients)",
    "asyncio": "an asyncio HTTP/1.1 client (`bench/api_latency.py`)",
}


def server_stack() -> str:
    """What uvicorn serves with here: it takes httptools and uvloop when they are installed."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn with {http} and {loop}"


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.1f}" for value in values)


def report(rows: list[Row], args: argparse.Namespace) -> str:
    during = args.load_during or [0.0]
    lines = [
        "# REST API latency",
        "",
        f"`python -m bench.api_latency --db {args.db} --clients {args.clients} "
        f"--seconds {args.seconds} --runs {args.runs} --workers {args.workers} "
        f"--generator {args.generator}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}; "
        f"load average {args.load_before} before, {args.load_after} after, 1-minute load "
        f"{min(during):.1f} to {max(during):.1f} at the ends of the scenarios (other work on the "
        "machine inflates latencies, and the CPU per request a little).",
        "",
        f"One DAG with {args.runs} finished runs (2 task instances each). "
        f"`tradewind api-server --workers {args.workers}` ({server_stack()}); "
        f"{args.clients} keep-alive connections from {GENERATORS[args.generator]} in its own "
        "process, on the same machine: the generator's CPU competes with the server's for the "
        "same cores. CPU ms/request: the server's processes' (from `/proc`) and the load "
        "generator's, over the scenario's requests (not shown for the mixed scenario).",
        "",
        "| database | scenario | requests | req/s | p50 ms | p99 ms | max ms | errors "
        "| server CPU ms/request | generator CPU ms/request |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cpu = "" if row.cpu_ms is None else f"{row.cpu_ms:.2f}"
        generator = "" if row.generator_cpu_ms is None else f"{row.generator_cpu_ms:.2f}"
        lines.append(
            f"| {row.database} | {row.scenario} | {row.requests} | {row.per_second:.0f} | "
            f"{row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.max_ms:.1f} | {row.errors} | {cpu} "
            f"| {generator} |"
        )
    lines += [
        "",
        f"- list: `GET {LIST_PATH}` with a bearer token, from every client (list, 1 client: "
        "from one, so requests never wait for each other).",
        "- list (Basic): the same with HTTP Basic credentials (each worker checked them once "
        "during the warm-up, then remembered them).",
        f"- trigger / list under triggers: {TRIGGER_CLIENTS} clients `POST {TRIGGER_PATH}` "
        "(a manual run with conf, two task instances) while the others list.",
        "",
    ]
    return "\n".join(lines)


def measure(kind: str, args: argparse.Namespace) -> list[Row]:
    home = Path(tempfile.mkdtemp(prefix=f"tw-api-bench-{kind}-"))
    try:
        with database(kind, home, args.postgres_url) as url:
            started = time.perf_counter()
            password = seed(url, home, args.runs)
            print(f"[{kind}] seeded {args.runs} runs in {time.perf_counter() - started:.1f} s")
            with api_server(url, home, args.workers) as server:
                bearer = f"Bearer {token(server.port, password)}"
                basic = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
                # Basic credentials too: each worker checks them once (argon2), then
                # remembers them; the scenario measures the remembered case.
                warm_up = [
                    Job("warm-up", 4, "GET", LIST_PATH, bearer),
                    Job("warm-up (Basic)", 4, "GET", LIST_PATH, basic),
                ]
                run_load(server, warm_up, 2, args.generator)
                rows = []
                scenarios = (
                    ("list, 1 client", bearer, 1),
                    ("list", bearer, args.clients),
                    ("list (Basic)", basic, args.clients),
                )
                for scenario, authorization, clients in scenarios:
                    lists = Job("list", clients, "GET", LIST_PATH, authorization)
                    measured, server_cpu, generator_cpu = run_load(
                        server, [lists], args.seconds, args.generator
                    )
                    args.load_during.append(os.getloadavg()[0])
                    rows.append(
                        summarize(kind, scenario, measured["list"], server_cpu, generator_cpu)
                    )
                body = json.dumps({"logical_date": None, "conf": {"source": "bench"}}).encode()
                mixed = [
                    Job("list", max(args.clients - TRIGGER_CLIENTS, 1), "GET", LIST_PATH, bearer),
                    Job("trigger", TRIGGER_CLIENTS, "POST", TRIGGER_PATH, bearer, body),
                ]
                measured, _, _ = run_load(server, mixed, args.seconds, args.generator)
                args.load_during.append(os.getloadavg()[0])
                rows.append(summarize(kind, "trigger", measured["trigger"], None))
                rows.append(summarize(kind, "list under triggers", measured["list"], None))
            for row in rows:
                cpu = "" if row.cpu_ms is None else f", server CPU {row.cpu_ms:.2f} ms/request"
                if row.generator_cpu_ms is not None:
                    cpu += f", generator CPU {row.generator_cpu_ms:.2f} ms/request"
                print(
                    f"[{kind}] {row.scenario}: {row.per_second:.0f} req/s, p50 "
                    f"{row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms, errors {row.errors}{cpu}"
                )
            return rows
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api_latency", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="api-server processes (default: one per core, at most 2)",
    )
    parser.add_argument(
        "--generator",
        choices=["auto", *GENERATORS],
        default="auto",
        help="the load generator: wrk when it is installed (auto), or the asyncio client",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.generator == "auto":
        args.generator = "wrk" if shutil.which("wrk") else "asyncio"
    elif args.generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed: `apt-get install wrk`, or --generator asyncio.")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    args.load_during = []
    args.load_before = _load(os.getloadavg())
    rows = [row for kind in kinds for row in measure(kind, args)]
    args.load_after = _load(os.getloadavg())
    text = report(rows, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
