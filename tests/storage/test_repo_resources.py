"""Variables, connections and pools, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradewind.errors import TradewindError
from tradewind.storage.repos import connections, pools, variables


def test_a_variable_is_created_read_and_listed(session: Session) -> None:
    variables.create_variable(session=session, key="b", value="2", description="second")
    variables.create_variable(session=session, key="a", value="1")
    row = variables.get_variable(session=session, key="b")
    assert row is not None
    assert (row.val, row.description, row.is_encrypted) == ("2", "second", False)
    assert [v.key for v in variables.list_variables(session=session)] == ["a", "b"]
    assert variables.get_variable(session=session, key="c") is None


def test_a_taken_variable_key_cannot_be_created(session: Session) -> None:
    variables.create_variable(session=session, key="a", value="1")
    with pytest.raises(IntegrityError):
        variables.create_variable(session=session, key="a", value="2")


def test_upserting_a_variable_keeps_its_description_unless_given(session: Session) -> None:
    variables.upsert_variable(session=session, key="a", value="1", description="kept")
    held = variables.get_variable(session=session, key="a")
    variables.upsert_variable(session=session, key="a", value="2")
    assert held is not None
    assert (held.val, held.description) == ("2", "kept")
    variables.upsert_variable(session=session, key="a", value="3", description="new")
    assert (held.val, held.description) == ("3", "new")
    assert variables.delete_variable(session=session, key="a")
    assert not variables.delete_variable(session=session, key="a")


def test_a_connection_is_created_changed_and_deleted(session: Session) -> None:
    connections.create_connection(
        session=session,
        conn_id="warehouse",
        conn_type="postgres",
        host="db",
        port=5432,
        login="etl",
        password="s3cret",
        schema="public",
        extra='{"sslmode": "require"}',
    )
    row = connections.get_connection(session=session, conn_id="warehouse")
    assert row is not None
    assert (row.host, row.port, row.password, row.schema) == ("db", 5432, "s3cret", "public")
    assert connections.update_connection(session=session, conn_id="warehouse", host="db2")
    assert not connections.update_connection(session=session, conn_id="nope", host="x")
    assert row.host == "db2"
    assert [c.conn_id for c in connections.list_connections(session=session)] == ["warehouse"]
    assert connections.delete_connection(session=session, conn_id="warehouse")
    assert connections.get_connection(session=session, conn_id="warehouse") is None


def test_a_connection_refuses_unknown_fields(session: Session) -> None:
    with pytest.raises(TypeError, match="colour"):
        connections.create_connection(session=session, conn_id="c", conn_type="http", colour="red")


def test_pools_are_created_changed_and_deleted(session: Session) -> None:
    pools.create_pool(session=session, name="gpu", slots=2, description="GPUs")
    assert [p.name for p in pools.list_pools(session=session)] == ["default_pool", "gpu"]
    assert pools.update_pool(session=session, name="gpu", slots=4)
    gpu = pools.get_pool(session=session, name="gpu")
    assert gpu is not None
    assert (gpu.slots, gpu.description) == (4, "GPUs")
    assert not pools.update_pool(session=session, name="nope", slots=1)
    assert pools.delete_pool(session=session, name="gpu")
    assert pools.get_pool(session=session, name="gpu") is None


def test_the_default_pool_cannot_be_deleted(session: Session) -> None:
    with pytest.raises(TradewindError, match="default_pool"):
        pools.delete_pool(session=session, name="default_pool")
