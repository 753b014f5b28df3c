"""A transaction that locks a run keeps other lockers out until it ends, on both backends.

On PostgreSQL that is the run's row lock; on SQLite, which has no row locks, the transaction
takes the database's write lock at once (``hold_write_lock``): without it, a scheduler step
that read a task as queued could write it back as running over a mark committed meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import exc, text
from sqlalchemy.orm import Session, sessionmaker
from storage_factories import SqlBackend, make_run, make_ti

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.repos import run_history
from tradewind.storage.sql_store import SqlStore


@pytest.fixture
def impatient(sql_backend: SqlBackend) -> Iterator[sessionmaker[Session]]:
    """Sessions of another connection whose lock waits give up after a fraction of a second."""
    if sql_backend.name != "sqlite":
        yield sql_backend.sessions  # each transaction sets its lock_timeout
        return
    engine = create_engine_from_url(sql_backend.engine.url, sqlite_busy_timeout=0.2)
    yield session_factory(engine)
    engine.dispose()


def _lock_run_elsewhere(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        if session.connection().dialect.name == "postgresql":
            session.execute(text("SET LOCAL lock_timeout = '200ms'"))
        run_history.list_dag_runs_between(session=session, dag_id="etl", run_ids=["r1"], lock=True)
        session.rollback()


def test_a_locked_run_keeps_a_marking_out_until_the_step_commits(
    sql_backend: SqlBackend, impatient: sessionmaker[Session]
) -> None:
    with sql_backend.sessions.begin() as session:
        store = SqlStore(session)
        store.add_dag_run(make_run())
        store.add_task_instances([make_ti("extract", state=S.QUEUED)])

    step: Session
    with sql_backend.sessions() as step:
        store = SqlStore(step)
        assert store.lock_dag_run("etl", "r1") is not None
        [ti] = store.list_task_instances("etl", "r1")
        with pytest.raises(exc.OperationalError):
            _lock_run_elsewhere(impatient)
        ti.state = S.RUNNING
        store.save_task_instances([ti])
        step.commit()

    _lock_run_elsewhere(impatient)  # free again once the step committed
    with sql_backend.sessions() as session:
        state = session.execute(text("select state from task_instance")).scalar_one()
    assert state == S.RUNNING
