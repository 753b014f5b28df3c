"""Variable.get and connections from AIRFLOW_VAR_* / AIRFLOW_CONN_* variables and sources."""

from __future__ import annotations

import json

import pytest

from tradewind.compat.airflow.exceptions import AirflowNotFoundException
from tradewind.compat.airflow.hooks import BaseHook
from tradewind.sdk.connections import (
    Connection,
    ConnectionNotFoundError,
    find_connection,
    use_connection_source,
)
from tradewind.sdk.variables import (
    Variable,
    VariableNotFoundError,
    VariableWriteError,
    use_variable_source,
)

# -- Variable ----------------------------------------------------------------------------------


def test_variable_reads_airflow_var_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_BUCKET", "s3://data")
    assert Variable.get("bucket") == "s3://data"


def test_tradewind_var_wins_over_airflow_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_BUCKET", "airflow")
    monkeypatch.setenv("TRADEWIND_VAR_BUCKET", "tradewind")
    assert Variable.get("bucket") == "tradewind"


def test_variable_deserializes_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SETTINGS", '{"retries": 3, "tags": ["a"]}')
    assert Variable.get("settings", deserialize_json=True) == {"retries": 3, "tags": ["a"]}


def test_missing_variable_returns_default_var() -> None:
    assert Variable.get("no_such_variable", default_var=None) is None
    assert Variable.get("no_such_variable", "fallback") == "fallback"


def test_missing_variable_returns_airflow3_default() -> None:
    assert Variable.get("no_such_variable", default={"a": 1}) == {"a": 1}


def test_missing_variable_without_default_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no_such_variable") as caught:
        Variable.get("no_such_variable")
    assert isinstance(caught.value, VariableNotFoundError)


def test_variable_that_is_not_json_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_PLAIN", "not json")
    with pytest.raises(Exception, match="not valid JSON"):
        Variable.get("plain", deserialize_json=True)


def test_variable_source_is_read_after_the_environment() -> None:
    with use_variable_source(lambda key: "from source" if key == "stored" else None):
        assert Variable.get("stored") == "from source"
    assert Variable.get("stored", default_var="gone") == "gone"


def test_variable_set_is_refused_with_advice() -> None:
    with pytest.raises(VariableWriteError, match="read Variables"):
        Variable.set("key", "value")


# -- Connection ----------------------------------------------------------------------------------


def test_connection_from_uri_has_every_field() -> None:
    conn = Connection.from_uri(
        "db", "postgresql://user%40corp:p%2Fss@db.example.com:5432/sales?sslmode=require"
    )
    assert (conn.conn_type, conn.host, conn.port, conn.schema) == (
        "postgres",
        "db.example.com",
        5432,
        "sales",
    )
    assert (conn.login, conn.password) == ("user@corp", "p/ss")
    assert conn.extra_dejson == {"sslmode": "require"}


def test_connection_uri_with_a_json_extra() -> None:
    extra = json.dumps({"nested": {"a": 1}})
    conn = Connection.from_uri("x", f"my-type://host?__extra__={extra}")
    assert conn.conn_type == "my_type" and conn.extra_dejson == {"nested": {"a": 1}}


def test_connection_uri_with_a_host_protocol() -> None:
    conn = Connection.from_uri("api", "http://https://api.example.com/v2")
    assert conn.host == "https://api.example.com" and conn.schema == "v2"


def test_connection_uri_round_trips() -> None:
    conn = Connection(
        conn_id="c",
        conn_type="my_type",
        host="h.example.com",
        login="me",
        password="s e/c",
        schema="db",
        port=99,
        extra={"k": "v"},
    )
    assert Connection.from_uri("c", conn.get_uri()) == conn


def test_connection_from_airflow_conn_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_WAREHOUSE",
        json.dumps({"conn_type": "snowflake", "login": "etl", "extra": {"account": "acme"}}),
    )
    conn = BaseHook.get_connection("warehouse")
    assert (conn.conn_id, conn.conn_type, conn.login) == ("warehouse", "snowflake", "etl")
    assert conn.extra_dejson == {"account": "acme"}


def test_tradewind_conn_wins_over_airflow_conn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_API", "http://airflow-host")
    monkeypatch.setenv("TRADEWIND_CONN_API", "http://tradewind-host")
    assert BaseHook.get_connection("api").host == "tradewind-host"


def test_missing_connection_raises_airflow_not_found() -> None:
    with pytest.raises(AirflowNotFoundException, match="no_such_conn"):
        BaseHook.get_connection("no_such_conn")


def test_missing_connection_from_sdk_names_the_variable_to_set() -> None:
    with pytest.raises(ConnectionNotFoundError, match="TRADEWIND_CONN_NO_SUCH_CONN"):
        Connection.get("no_such_conn")


def test_connection_source_fields_become_a_connection() -> None:
    with use_connection_source(lambda conn_id: {"conn_type": "http", "host": "stored"}):
        conn = find_connection("stored_conn")
    assert conn is not None and (conn.conn_id, conn.host) == ("stored_conn", "stored")


def test_connection_repr_hides_the_password() -> None:
    conn = Connection.from_uri("c", "http://user:hunter2@host")
    assert "hunter2" not in repr(conn)
