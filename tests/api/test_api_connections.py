"""``/api/v2/connections``: reading, writing, validating, never showing secrets, who may."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.api.conftest import Api
from tests.api.resource_helpers import RANKS, Operation, airflow_client, check_role, module_api

from tradewind.storage.repos import connections as connection_repo
from tradewind.storage.rows import ConnectionRow

CONNECTIONS = "/api/v2/connections"
PASSWORD = "pg-Pa55word-never-shown"

WAREHOUSE: dict[str, Any] = {
    "connection_id": "warehouse",
    "conn_type": "postgres",
    "description": "The warehouse",
    "host": "db.example.com",
    "login": "loader",
    "schema": "public",
    "port": 5432,
    "password": PASSWORD,
    "extra": json.dumps({"sslmode": "require", "private_key": "KEY-123456"}),
}


def _create(api: Api, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("POST", CONNECTIONS, 201, json={**WAREHOUSE, **changes})
    return body


def _stored(api: Api, conn_id: str = "warehouse") -> ConnectionRow | None:
    with api.deployment.sessions() as session:
        row = connection_repo.get_connection(session=session, conn_id=conn_id)
        if row is not None:
            session.expunge(row)
        return row


@pytest.fixture(scope="module")
def refusing_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One API for the tests of requests that are refused (and so change nothing)."""
    with module_api(tmp_path_factory) as api:
        yield api


# -- reading and writing -------------------------------------------------------------------------


def test_a_connection_is_created_read_changed_and_deleted(sql_api: Api) -> None:
    created = _create(sql_api)
    assert created == {
        **WAREHOUSE,
        "password": "***",
        "extra": json.dumps({"sslmode": "require", "private_key": "***"}),
        "team_name": None,
    }
    assert sql_api.ok("GET", f"{CONNECTIONS}/warehouse") == created
    changed = sql_api.ok(
        "PATCH",
        f"{CONNECTIONS}/warehouse",
        json={"connection_id": "warehouse", "conn_type": "postgres", "host": "db2"},
    )
    assert (changed["host"], changed["login"], changed["password"]) == ("db2", "loader", "***")
    stored = _stored(sql_api)
    assert stored is not None and stored.password == PASSWORD
    sql_api.ok("DELETE", f"{CONNECTIONS}/warehouse", 204)
    assert "'warehouse'" in sql_api.ok("GET", f"{CONNECTIONS}/warehouse", 404)["detail"]


def test_the_list_pages_orders_and_filters_by_id(sql_api: Api) -> None:
    for conn_id, port in (("b_db", 2), ("a_http", 3), ("c_db", 1)):
        _create(sql_api, connection_id=conn_id, port=port)
    page = sql_api.ok("GET", CONNECTIONS, params={"order_by": "port", "limit": 2})
    assert page["total_entries"] == 3
    assert [c["connection_id"] for c in page["connections"]] == ["c_db", "b_db"]
    matching = sql_api.ok("GET", CONNECTIONS, params={"connection_id_pattern": "DB"})
    assert [c["connection_id"] for c in matching["connections"]] == ["b_db", "c_db"]
    assert all(c["password"] == "***" for c in page["connections"])


def test_a_connection_without_password_or_extra_shows_nulls(api: Api) -> None:
    created = api.ok("POST", CONNECTIONS, 201, json={"connection_id": "web", "conn_type": "http"})
    assert (created["password"], created["extra"], created["port"]) == (None, None, None)


def test_a_taken_id_is_a_409_and_the_connection_stays(api: Api) -> None:
    _create(api)
    detail = api.ok("POST", CONNECTIONS, 409, json={**WAREHOUSE, "host": "other"})["detail"]
    assert "'warehouse' already exists" in detail
    stored = _stored(api)
    assert stored is not None and stored.host == "db.example.com"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"connection_id": "has space"}, "connection_id"),
        ({"connection_id": "x" * 201}, "connection_id"),
        ({"conn_type": ""}, "conn_type"),
        ({"conn_type": "post gres"}, "conn_type"),
        ({"port": 70000}, "port"),
        ({"port": 0}, "port"),
        ({"port": "5432x"}, "port"),
        ({"extra": {"sslmode": "require"}}, "extra"),
        ({"colour": "red"}, "colour"),
        ({"team_name": "data"}, "team_name"),
    ],
)
def test_a_bad_field_is_a_422_naming_it(
    refusing_api: Api, changes: dict[str, Any], field: str
) -> None:
    response = refusing_api.ok("POST", CONNECTIONS, 422, json={**WAREHOUSE, **changes})
    assert field in response["title"]
    assert PASSWORD not in json.dumps(response)
    assert _stored(refusing_api) is None


@pytest.mark.parametrize("extra", ["not json", "[1, 2]", '"text"', "null"])
def test_an_extra_that_is_not_a_json_object_is_a_400(refusing_api: Api, extra: str) -> None:
    response = refusing_api.ok("POST", CONNECTIONS, 400, json={**WAREHOUSE, "extra": extra})
    assert "extra must be a JSON object" in response["detail"]
    assert _stored(refusing_api) is None


def test_an_empty_extra_is_an_empty_object(api: Api) -> None:
    assert _create(api, extra="")["extra"] == "{}"


def test_an_extra_that_is_not_json_is_hidden_whole(api: Api) -> None:
    with api.deployment.sessions.begin() as session:
        connection_repo.create_connection(
            session=session, conn_id="legacy", conn_type="http", extra="token=abc123456"
        )
        connection_repo.create_connection(
            session=session, conn_id="deep", conn_type="http", extra="[" * 5000 + "]" * 5000
        )
    assert api.ok("GET", f"{CONNECTIONS}/legacy")["extra"] == "***"
    assert api.ok("GET", f"{CONNECTIONS}/deep")["extra"] == "***"


def test_patch_with_an_update_mask_changes_only_what_it_names(api: Api) -> None:
    _create(api)
    body = {**WAREHOUSE, "host": "db2", "login": "someone", "password": "new-password"}
    api.ok("PATCH", f"{CONNECTIONS}/warehouse", json=body, params={"update_mask": "host"})
    stored = _stored(api)
    assert stored is not None
    assert (stored.host, stored.login, stored.password) == ("db2", "loader", PASSWORD)
    cleared = api.ok(
        "PATCH",
        f"{CONNECTIONS}/warehouse",
        json={"connection_id": "warehouse", "conn_type": "postgres"},
        params={"update_mask": ["password", "description"]},
    )
    assert (cleared["password"], cleared["description"]) == (None, None)


def test_a_bad_patch_changes_nothing(api: Api) -> None:
    _create(api)
    path = f"{CONNECTIONS}/warehouse"
    bad_mask = api.ok(
        "PATCH", path, 400, json={**WAREHOUSE, "host": "x"}, params={"update_mask": "connection_id"}
    )
    assert "connection_id" in bad_mask["detail"]
    renamed = api.ok("PATCH", path, 400, json={**WAREHOUSE, "connection_id": "lake"})
    assert "cannot be renamed" in renamed["detail"]
    bad_extra = api.ok("PATCH", path, 400, json={**WAREHOUSE, "host": "x", "extra": "[]"})
    assert "extra" in bad_extra["detail"]
    missing = api.ok(
        "PATCH", f"{CONNECTIONS}/ghost", 404, json={**WAREHOUSE, "connection_id": "ghost"}
    )
    assert "'ghost'" in missing["detail"]
    stored = _stored(api)
    assert stored is not None and stored.host == "db.example.com"


def test_sending_the_masks_back_keeps_the_secrets(sql_api: Api) -> None:
    _create(sql_api)
    read = sql_api.ok("GET", f"{CONNECTIONS}/warehouse")
    extra = json.loads(read["extra"]) | {"sslmode": "verify-full"}
    body = {**read, "extra": json.dumps(extra), "host": "db2"}
    del body["team_name"]
    sql_api.ok("PATCH", f"{CONNECTIONS}/warehouse", json=body)
    stored = _stored(sql_api)
    assert stored is not None
    assert (stored.host, stored.password) == ("db2", PASSWORD)
    assert json.loads(stored.extra or "") == {"sslmode": "verify-full", "private_key": "KEY-123456"}


def test_testing_a_connection_is_refused_with_a_reason(api: Api) -> None:
    detail = api.ok("POST", f"{CONNECTIONS}/test", 403, json=WAREHOUSE)["detail"]
    assert "Testing connections is disabled" in detail


def test_a_nul_character_is_a_4xx_not_a_crash(sql_api: Api) -> None:
    response = sql_api.post(CONNECTIONS, json={**WAREHOUSE, "host": "db\u0000"})
    assert response.status_code in (201, 400), response.text
    # PostgreSQL refuses NUL in text (400); SQLite finds no such connection (404).
    assert sql_api.get(f"{CONNECTIONS}/a%00b").status_code in (400, 404)


# -- who may -------------------------------------------------------------------------------------

_BODY = {"connection_id": "{fresh}", "conn_type": "http"}
OPERATIONS = {
    "list": Operation("GET", CONNECTIONS, None, 200, "Op"),
    "read": Operation("GET", f"{CONNECTIONS}/warehouse", None, 200, "Op"),
    "create": Operation("POST", CONNECTIONS, _BODY, 201, "Op"),
    "change": Operation(
        "PATCH",
        f"{CONNECTIONS}/{{fresh}}",
        {**_BODY, "host": "h"},
        200,
        "Op",
        prepare=("POST", CONNECTIONS, _BODY),
    ),
    "delete": Operation(
        "DELETE", f"{CONNECTIONS}/{{fresh}}", None, 204, "Op", prepare=("POST", CONNECTIONS, _BODY)
    ),
    "test": Operation("POST", f"{CONNECTIONS}/test", _BODY, 403, "Op"),
}


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with module_api(tmp_path_factory) as api:
        _create(api)
        yield api


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_role_matrix(matrix_api: Api, name: str, role: str) -> None:
    check_role(matrix_api, OPERATIONS[name], role)


# -- Airflow's client ----------------------------------------------------------------------------


def test_airflows_client_manages_connections(api: Api) -> None:
    with airflow_client(api) as (airflow, client):
        connections = airflow.ConnectionApi(client)
        body = {**WAREHOUSE, "var_schema": WAREHOUSE["schema"]}
        del body["schema"]
        created = connections.post_connection(airflow.ConnectionBody(**body))
        assert (created.connection_id, created.password, created.var_schema) == (
            "warehouse",
            "***",
            "public",
        )
        assert json.loads(created.extra or "")["private_key"] == "***"
        page = connections.get_connections(order_by=["-connection_id"], limit=10)
        assert [c.connection_id for c in page.connections] == ["warehouse"]
        patched = connections.patch_connection(
            "warehouse",
            airflow.ConnectionBody(connection_id="warehouse", conn_type="postgres", port=6432),
            update_mask=["port"],
        )
        assert (patched.port, patched.host) == (6432, "db.example.com")
        with pytest.raises(airflow.ApiException) as refused:
            connections.test_connection(airflow.ConnectionBody(connection_id="x", conn_type="http"))
        assert refused.value.status == 403
        connections.delete_connection("warehouse")
        assert connections.get_connections().total_entries == 0
