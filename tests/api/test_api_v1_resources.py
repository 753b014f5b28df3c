"""``/api/v1`` (Airflow 2's API) for variables, connections and pools, and no secret in any
response of these routes, v1 or v2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.api.conftest import Api
from tests.api.resource_helpers import RANKS, Operation, check_role, module_api

V1 = "/api/v1"
PASSWORD = "v1-Conn-Pa55word-secret"
SECRET_VALUE = "v1-Var-Secret-Value"


# -- variables -----------------------------------------------------------------------------------


def test_variables_in_airflow_2s_shape(sql_api: Api) -> None:
    created = sql_api.ok("POST", f"{V1}/variables", json={"key": "region", "value": "eu"})
    assert created == {"key": "region", "value": "eu", "description": None}
    sql_api.ok("POST", f"{V1}/variables", json={"key": "api_token", "value": SECRET_VALUE})
    listed = sql_api.ok("GET", f"{V1}/variables", params={"order_by": "-key"})
    assert listed == {
        "variables": [
            {"key": "region", "value": "eu", "description": None},
            {"key": "api_token", "value": "***", "description": None},
        ],
        "total_entries": 2,
    }
    changed = sql_api.ok(
        "PATCH",
        f"{V1}/variables/region",
        json={"key": "region", "value": "us", "description": "d"},
        params={"update_mask": "description"},
    )
    assert changed == {"key": "region", "value": "eu", "description": "d"}
    assert sql_api.ok("GET", f"{V1}/variables/region") == changed
    sql_api.ok("DELETE", f"{V1}/variables/region", 204)
    assert "'region'" in sql_api.ok("GET", f"{V1}/variables/region", 404)["detail"]


def test_a_v1_variable_value_must_be_a_string(api: Api) -> None:
    response = api.ok("POST", f"{V1}/variables", 422, json={"key": "k", "value": {"a": 1}})
    assert "value" in response["title"]


def test_a_v1_taken_variable_key_is_a_409(api: Api) -> None:
    api.ok("POST", f"{V1}/variables", json={"key": "k", "value": "1"})
    assert (
        "'k' already exists"
        in api.ok("POST", f"{V1}/variables", 409, json={"key": "k", "value": "2"})["detail"]
    )


# -- connections ---------------------------------------------------------------------------------

CONNECTION = {
    "connection_id": "warehouse",
    "conn_type": "postgres",
    "host": "db",
    "login": "loader",
    "schema": "public",
    "port": 5432,
    "password": PASSWORD,
    "extra": '{"sslmode": "require", "secret_key": "sk-123456"}',
}


def test_connections_in_airflow_2s_shape(sql_api: Api) -> None:
    created = sql_api.ok("POST", f"{V1}/connections", json=CONNECTION)
    expected = {
        **{key: value for key, value in CONNECTION.items() if key != "password"},
        "description": None,
        "extra": json.dumps({"sslmode": "require", "secret_key": "***"}),
    }
    assert created == expected
    listed = sql_api.ok("GET", f"{V1}/connections")
    item = {key: value for key, value in expected.items() if key != "extra"}
    assert listed == {"connections": [item], "total_entries": 1}
    changed = sql_api.ok(
        "PATCH",
        f"{V1}/connections/warehouse",
        json={"connection_id": "warehouse", "conn_type": "postgres", "port": 6432},
        params={"update_mask": "port"},
    )
    assert (changed["port"], changed["host"]) == (6432, "db")
    assert sql_api.ok("GET", f"{V1}/connections/warehouse") == changed
    refused = sql_api.ok("POST", f"{V1}/connections/test", 403, json=CONNECTION)
    assert "disabled" in refused["detail"]
    sql_api.ok("DELETE", f"{V1}/connections/warehouse", 204)
    assert sql_api.ok("GET", f"{V1}/connections")["total_entries"] == 0


# -- pools ---------------------------------------------------------------------------------------


def test_pools_in_airflow_2s_shape(sql_api: Api) -> None:
    created = sql_api.ok("POST", f"{V1}/pools", json={"name": "gpu", "slots": 2})
    assert created == {
        "name": "gpu",
        "slots": 2,
        "description": None,
        "include_deferred": False,
        "occupied_slots": 0,
        "running_slots": 0,
        "queued_slots": 0,
        "scheduled_slots": 0,
        "open_slots": 2,
        "deferred_slots": 0,
    }
    changed = sql_api.ok(
        "PATCH",
        f"{V1}/pools/gpu",
        json={"name": "gpu", "slots": 5},
        params={"update_mask": "slots"},
    )
    assert changed["slots"] == 5
    listed = sql_api.ok("GET", f"{V1}/pools", params={"limit": 1, "offset": 1})
    assert (listed["total_entries"], [p["name"] for p in listed["pools"]]) == (2, ["gpu"])
    assert "default_pool" in sql_api.ok("DELETE", f"{V1}/pools/default_pool", 400)["detail"]
    sql_api.ok("DELETE", f"{V1}/pools/gpu", 204)
    assert "'gpu'" in sql_api.ok("GET", f"{V1}/pools/gpu", 404)["detail"]


def test_a_v1_pool_cannot_be_renamed(api: Api) -> None:
    api.ok("POST", f"{V1}/pools", json={"name": "gpu", "slots": 2})
    detail = api.ok("PATCH", f"{V1}/pools/gpu", 400, json={"name": "cpu", "slots": 2})["detail"]
    assert "cannot be renamed" in detail
    assert api.ok("GET", f"{V1}/pools/gpu")["slots"] == 2


# -- who may -------------------------------------------------------------------------------------

OPERATIONS = {
    "list variables": Operation("GET", f"{V1}/variables", None, 200, "Op"),
    "create a variable": Operation(
        "POST", f"{V1}/variables", {"key": "{fresh}", "value": "v"}, 200, "Op"
    ),
    "delete a variable": Operation(
        "DELETE",
        f"{V1}/variables/{{fresh}}",
        None,
        204,
        "Op",
        prepare=("POST", "/api/v2/variables", {"key": "{fresh}", "value": "v"}),
    ),
    "list connections": Operation("GET", f"{V1}/connections", None, 200, "Op"),
    "create a connection": Operation(
        "POST", f"{V1}/connections", {"connection_id": "{fresh}", "conn_type": "http"}, 200, "Op"
    ),
    "list pools": Operation("GET", f"{V1}/pools", None, 200, "Viewer"),
    "read a pool": Operation("GET", f"{V1}/pools/default_pool", None, 200, "Viewer"),
    "change a pool": Operation("PATCH", f"{V1}/pools/default_pool", {"slots": 128}, 200, "Op"),
}


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with module_api(tmp_path_factory) as api:
        yield api


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_role_matrix(matrix_api: Api, name: str, role: str) -> None:
    check_role(matrix_api, OPERATIONS[name], role)


# -- no secret in any response ---------------------------------------------------------------------


def _requests() -> list[tuple[str, str, Any, dict[str, Any]]]:
    """(method, path, body, params): every route of variables, connections and pools, v1
    and v2, with good input and bad, about the secret variable and the connection."""
    requests: list[tuple[str, str, Any, dict[str, Any]]] = []
    for version in ("v1", "v2"):
        base = f"/api/{version}"
        connection = {**CONNECTION, "password": PASSWORD}
        requests += [
            ("GET", f"{base}/variables", None, {}),
            ("GET", f"{base}/variables/db_password", None, {}),
            ("POST", f"{base}/variables", {"key": "db_password", "value": SECRET_VALUE}, {}),
            ("POST", f"{base}/variables", {"key": "x", "value": SECRET_VALUE, "bad": 1}, {}),
            (
                "PATCH",
                f"{base}/variables/db_password",
                {"key": "db_password", "value": SECRET_VALUE},
                {},
            ),
            ("PATCH", f"{base}/variables/db_password", {"key": "x", "value": SECRET_VALUE}, {}),
            (
                "PATCH",
                f"{base}/variables/db_password",
                {"key": "db_password", "value": SECRET_VALUE},
                {"update_mask": "key"},
            ),
            ("GET", f"{base}/connections", None, {}),
            ("GET", f"{base}/connections/warehouse", None, {}),
            ("POST", f"{base}/connections", connection, {}),
            ("POST", f"{base}/connections", {**connection, "port": "x"}, {}),
            ("POST", f"{base}/connections", {**connection, "extra": "[]"}, {}),
            ("PATCH", f"{base}/connections/warehouse", connection, {}),
            ("PATCH", f"{base}/connections/warehouse", {**connection, "connection_id": "y"}, {}),
            ("PATCH", f"{base}/connections/ghost", {**connection, "connection_id": "ghost"}, {}),
            ("POST", f"{base}/connections/test", connection, {}),
            ("GET", f"{base}/pools", None, {}),
            ("GET", f"{base}/pools/default_pool", None, {}),
        ]
    requests += [
        (
            "PATCH",
            "/api/v2/variables",
            {
                "actions": [
                    {"action": "create", "entities": [{"key": "db_password", "value": "x"}]},
                    {
                        "action": "update",
                        "entities": [{"key": "db_password", "value": SECRET_VALUE}],
                    },
                ]
            },
            {},
        )
    ]
    return requests


def test_no_response_holds_the_connection_password_or_a_secret_variable(api: Api) -> None:
    api.ok("POST", "/api/v2/variables", 201, json={"key": "db_password", "value": SECRET_VALUE})
    api.ok("POST", "/api/v2/connections", 201, json=CONNECTION)
    statuses = set()
    for role in ("Admin", "Viewer"):
        for method, path, body, params in _requests():
            response = api.request(method, path, role=role, json=body, params=params)
            statuses.add(response.status_code)
            assert PASSWORD not in response.text, (method, path, response.text)
            assert SECRET_VALUE not in response.text, (method, path, response.text)
            assert "sk-123456" not in response.text, (method, path, response.text)
    # Good answers and errors alike were looked at.
    assert {200, 400, 403, 404, 409, 422} <= statuses
