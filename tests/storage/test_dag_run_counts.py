"""The runs each DAG has, kept by the database (migration 0007), and the runs list's total."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from storage_factories import NOW, SqlBackend

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.storage import migrate
from tradewind.storage.repos import listing
from tradewind.storage.rows import DagRunCountRow, DagRunRow


def _runs(dag_id: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "dag_id": dag_id,
            "run_id": f"run_{number}",
            "run_type": DagRunType.MANUAL,
            "logical_date": NOW + timedelta(hours=number),
            "run_after": NOW + timedelta(hours=number),
            "state": DagRunState.SUCCESS if number % 2 else DagRunState.FAILED,
            "conf": {},
        }
        for number in range(start, start + count)
    ]


def _kept(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(DagRunCountRow.dag_id, DagRunCountRow.runs)).all()
    return dict(rows)  # type: ignore[arg-type]


def _counted(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(DagRunRow.dag_id, func.count()).group_by(DagRunRow.dag_id)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_counts_follow_inserts_and_deletes_of_any_size(sql_backend: SqlBackend) -> None:
    engine = sql_backend.engine
    with engine.begin() as connection:
        # One statement inserting runs of two DAGs, then single rows.
        connection.execute(insert(DagRunRow), _runs("etl", 250) + _runs("ml", 3))
        for row in _runs("ml", 2, start=3):
            connection.execute(insert(DagRunRow).values(**row))
    assert _kept(engine) == _counted(engine) == {"etl": 250, "ml": 5}

    with engine.begin() as connection:
        connection.execute(delete(DagRunRow).where(DagRunRow.state == DagRunState.FAILED))
    assert _kept(engine) == _counted(engine) == {"etl": 125, "ml": 2}

    with engine.begin() as connection:
        connection.execute(delete(DagRunRow).where(DagRunRow.dag_id == "ml"))
    # A DAG without runs keeps no count.
    assert _kept(engine) == _counted(engine) == {"etl": 125}


def test_a_rolled_back_insert_leaves_the_count_alone(sql_backend: SqlBackend) -> None:
    engine = sql_backend.engine
    with engine.begin() as connection:
        connection.execute(insert(DagRunRow), _runs("etl", 4))
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(insert(DagRunRow), _runs("etl", 6, start=4))
        transaction.rollback()
    assert _kept(engine) == {"etl": 4}


def test_the_runs_list_total_is_exact_with_and_without_filters(sql_backend: SqlBackend) -> None:
    engine = sql_backend.engine
    with engine.begin() as connection:
        connection.execute(insert(DagRunRow), _runs("etl", 30) + _runs("ml", 7))
    with sql_backend.sessions() as session:

        def total(**filters: Any) -> int:
            return listing.list_dag_run_page(session=session, limit=5, **filters)[1]

        assert total(dag_ids={"etl"}) == 30
        assert total(dag_ids={"etl", "ml"}) == 37
        assert total() == 37
        assert total(dag_ids={"nothing"}) == 0
        # Filters other than the DAG count the matching runs themselves.
        assert total(dag_ids={"etl"}, states={DagRunState.SUCCESS}) == 15
        assert total(dag_ids={"etl"}, run_id_pattern="run_1") == 11


def test_0007_counts_the_runs_already_stored_and_downgrades(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine, "0006")
    with empty_engine.begin() as connection:
        connection.execute(insert(DagRunRow), _runs("etl", 12) + _runs("ml", 1))

    migrate.migrate(empty_engine)
    assert _kept(empty_engine) == {"etl": 12, "ml": 1}
    with empty_engine.begin() as connection:
        connection.execute(insert(DagRunRow), _runs("ml", 2, start=1))
    assert _kept(empty_engine) == {"etl": 12, "ml": 3}

    migrate.downgrade(empty_engine, "0006")
    with empty_engine.begin() as connection:
        # No trigger is left behind to write to the dropped table.
        connection.execute(delete(DagRunRow))
    migrate.migrate(empty_engine)
    assert _kept(empty_engine) == {}
