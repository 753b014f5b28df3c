"""Routes served on the event loop use a connection of the loop's own, never the pool's.

Threaded routes' sessions are closed on the loop after their responses, so a loop that
waited for the pool could wait for itself. Here the pool has two connections, the loop's
and one held by someone else, and the loop's routes (the bearer check, the runs list) still
answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, create_engine, exc, text
from tests.api.conftest import ETL, Api, make_api
from tests.server.deployment import Deployment

from tradewind.api.loop_database import LoopDatabase
from tradewind.storage.engine import session_factory
from tradewind.storage.migrate import migrate


@pytest.fixture
def one_connection_api(tmp_path: Path) -> Iterator[Api]:
    """The API over a SQLite pool of two connections that gives up after half a second."""
    engine = create_engine(
        f"sqlite:///{tmp_path / 'tradewind.db'}",
        connect_args={"check_same_thread": False},
        pool_size=2,
        max_overflow=0,
        pool_timeout=0.5,
    )
    migrate(engine)
    api = make_api(Deployment(engine, session_factory(engine), tmp_path))
    with api.client:
        yield api
    engine.dispose()


def test_the_runs_list_answers_while_the_pool_is_empty(one_connection_api: Api) -> None:
    api = one_connection_api
    api.dags(ETL)
    api.run("etl")
    assert api.ok("GET", "/api/v2/dags/etl/dagRuns")["total_entries"] == 1

    with api.deployment.engine.connect() as taken:  # the pool's other connection
        taken.execute(text("select 1"))
        page = api.ok("GET", "/api/v2/dags/etl/dagRuns", params={"limit": 5})
        assert page["total_entries"] == 1
        # A threaded route does wait for the pool, and says so instead of hanging.
        assert api.get("/api/v2/dags/etl").status_code == 503

    assert api.ok("GET", "/api/v2/dags/etl")["dag_id"] == "etl"


def test_other_threads_get_ordinary_sessions_and_a_broken_connection_is_replaced(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'loop.db'}")
    loop_db = LoopDatabase(session_factory(engine))
    with loop_db.session() as session:
        first = session.connection().connection.driver_connection
    with loop_db.session() as session:
        assert session.connection().connection.driver_connection is first

    seen: list[object] = []

    def elsewhere() -> None:
        with loop_db.session() as session:
            seen.append(session.connection().connection.driver_connection)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen and seen[0] is not first

    with pytest.raises(exc.OperationalError), loop_db.session() as session:
        session.execute(text("select * from no_such_table"))
    with loop_db.session() as session:
        assert session.connection().connection.driver_connection is not first
    loop_db.close()
    engine.dispose()


def test_the_loop_reads_outside_any_transaction(sql_api: Api) -> None:
    """No BEGIN and ROLLBACK around the loop's reads: two round trips fewer per request."""
    engine = sql_api.deployment.engine
    loop_db = LoopDatabase(session_factory(engine))
    with loop_db.session() as session:
        assert session.execute(text("select 1")).scalar() == 1
        driver = session.connection().connection.driver_connection
        if engine.dialect.name == "postgresql":
            assert driver.info.transaction_status == TransactionStatus.IDLE
        else:
            assert not driver.in_transaction
    loop_db.close()


@pytest.mark.postgres
def test_the_loop_plans_its_statements_once_on_postgresql(api_postgres_engine: Engine) -> None:
    """A page of runs is not planned again on every request (see ``loop_database``)."""
    engine = api_postgres_engine
    loop_db = LoopDatabase(session_factory(engine))
    with loop_db.session() as session:
        mode = session.execute(text("SHOW plan_cache_mode")).scalar()
    loop_db.close()
    assert mode == "force_generic_plan"
    with engine.connect() as connection:  # other connections keep PostgreSQL's choice
        assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "auto"


def test_a_conf_with_numbers_beyond_64_bits_reads_back_exactly(sql_api: Api) -> None:
    conf = {"seed": 10**30, "rate": 0.1, "nested": {"ids": [2**63, -(2**70)]}, "text": "1" * 25}
    sql_api.dags(ETL)
    created = sql_api.ok(
        "POST", "/api/v2/dags/etl/dagRuns", json={"logical_date": None, "conf": conf}
    )
    listed = sql_api.ok("GET", "/api/v2/dags/etl/dagRuns")["dag_runs"]
    one = sql_api.ok("GET", f"/api/v2/dags/etl/dagRuns/{created['dag_run_id']}")
    assert created["conf"] == listed[0]["conf"] == one["conf"] == conf
