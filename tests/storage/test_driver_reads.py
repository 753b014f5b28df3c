"""Reads on the driver's cursor (PostgreSQL) give what SQLAlchemy gives, and fail as it does."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, exc, insert, literal_column, select
from storage_factories import NOW, SqlBackend

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.storage.repos import listing
from tradewind.storage.repos import users as user_repo
from tradewind.storage.repos.driver_reads import read_rows
from tradewind.storage.rows import DagRunRow


def _add_runs(backend: SqlBackend, count: int) -> None:
    rows: list[dict[str, Any]] = [
        {
            "dag_id": "etl",
            "run_id": f"run_{number}",
            "run_type": DagRunType.MANUAL,
            "logical_date": NOW + timedelta(hours=number, microseconds=number),
            "run_after": NOW + timedelta(hours=number),
            "state": DagRunState.SUCCESS,
            "conf": {"n": number, "text": "café"},
            "note": None if number % 2 else "a note",
        }
        for number in range(count)
    ]
    with backend.sessions.begin() as session:
        session.execute(insert(DagRunRow), rows)


def test_the_driver_reads_what_sqlalchemy_reads(sql_backend: SqlBackend) -> None:
    _add_runs(sql_backend, 5)
    with sql_backend.sessions() as session:
        statements = listing._run_page_statements(
            session.get_bind().dialect.name,
            listing.RunFilters("one", False, False, False, ()),
            (("id", False),),
            True,
            False,
        )
        params = {"dag_id": "etl", "limit": 3, "offset": 1}
        through_driver = read_rows(session, statements.page, params)
        through_sqlalchemy = session.connection().execute(statements.page, params).all()
    assert [tuple(row) for row in through_driver] == [tuple(row) for row in through_sqlalchemy]
    assert len(through_driver) == 3
    assert through_driver[0][-1] == 5  # the kept total ends each row
    conf = through_driver[0][12]  # the conf's JSON text
    assert isinstance(conf, str) and json.loads(conf) == {"n": 1, "text": "café"}


def test_list_parameters_go_through_sqlalchemy(sql_backend: SqlBackend) -> None:
    _add_runs(sql_backend, 3)
    statement = select(DagRunRow.run_id).where(
        DagRunRow.run_id.in_(bindparam("ids", expanding=True))
    )
    with sql_backend.sessions() as session:
        rows = read_rows(session, statement.order_by(DagRunRow.id), {"ids": ["run_0", "run_2"]})
    assert [row[0] for row in rows] == ["run_0", "run_2"]


def test_a_failed_read_raises_as_sqlalchemy_would(postgres_backend: SqlBackend) -> None:
    statement = select(literal_column("1 / 0"))
    with postgres_backend.sessions() as session:
        with pytest.raises(exc.DBAPIError, match="division by zero"):
            read_rows(session, statement, {})
        session.rollback()
        # The connection serves the next read.
        assert read_rows(session, select(literal_column("2")), {})[0][0] == 2


def test_a_page_reads_a_users_identity_with_its_runs(sql_backend: SqlBackend) -> None:
    _add_runs(sql_backend, 3)
    with sql_backend.sessions.begin() as session:
        user = user_repo.create_user(
            session=session, username="ana", password_hash="x", role="Viewer", now=NOW
        )
        user_id = user.id
    with sql_backend.sessions() as session:
        page = listing.list_dag_run_page(
            session=session, dag_ids={"etl"}, limit=2, identity_of=user_id
        )
        assert (len(page.rows), page.total) == (2, 3)
        assert page.identity == (user_id, "ana", "Viewer", True, 0)
        unknown = listing.list_dag_run_page(session=session, dag_ids={"etl"}, identity_of=999)
        assert unknown.identity is None and unknown.total == 3
        # A page without runs cannot carry it.
        empty = listing.list_dag_run_page(session=session, dag_ids={"none"}, identity_of=user_id)
        assert (empty.rows, empty.total, empty.identity) == ([], 0, None)
