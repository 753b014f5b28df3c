"""``PATCH /api/v2/connections`` and ``PATCH /api/v2/pools``: bulk actions, as for variables.

The three bulk routes share one implementation (``tradewind.api.bulk``); these tests drive it
through connections and pools, and check that what is special to each holds: connection
passwords never come back, ``***`` keeps the stored secrets, ``default_pool`` stays.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.api.conftest import Api
from tests.api.resource_helpers import RANKS, Operation, check_role, module_api

from tradewind.storage.repos import connections as connection_repo
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.rows import ConnectionRow

CONNECTIONS = "/api/v2/connections"
POOLS = "/api/v2/pools"
VARIABLES = "/api/v2/variables"
PASSWORD = "bulk-Pa55word-never-shown"


def _connection(conn_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "connection_id": conn_id,
        "conn_type": "postgres",
        "host": "db.example.com",
        "login": "loader",
        "password": PASSWORD,
        **fields,
    }


def _stored_connection(api: Api, conn_id: str) -> ConnectionRow | None:
    with api.deployment.sessions() as session:
        row = connection_repo.get_connection(session=session, conn_id=conn_id)
        if row is not None:
            session.expunge(row)
        return row


def _pool(api: Api, name: str) -> tuple[int, str | None, bool] | None:
    with api.deployment.sessions() as session:
        row = pool_repo.get_pool(session=session, name=name)
        return None if row is None else (row.slots, row.description, row.include_deferred)


def _bulk(api: Api, path: str, *actions: dict[str, Any], role: str = "Admin") -> dict[str, Any]:
    result: dict[str, Any] = api.ok("PATCH", path, json={"actions": list(actions)}, role=role)
    return result


# -- connections -------------------------------------------------------------------------


def test_bulk_connections_create_update_and_delete(sql_api: Api) -> None:
    sql_api.ok("POST", CONNECTIONS, 201, json=_connection("old"))
    sql_api.ok("POST", CONNECTIONS, 201, json=_connection("kept", description="d"))
    result = _bulk(
        sql_api,
        CONNECTIONS,
        {"action": "create", "entities": [_connection("new", port=5432)]},
        {
            "action": "update",
            "entities": [_connection("kept", host="db2", password="***", description="x")],
            "update_mask": ["host"],
        },
        {
            "action": "delete",
            "entities": ["old", _connection("ghost")],
            "action_on_non_existence": "skip",
        },
    )
    assert result == {
        "create": {"success": ["new"], "errors": []},
        "update": {"success": ["kept"], "errors": []},
        "delete": {"success": ["old"], "errors": []},
    }
    assert PASSWORD not in json.dumps(result)
    kept = _stored_connection(sql_api, "kept")
    assert kept is not None
    assert (kept.host, kept.description, kept.password) == ("db2", "d", PASSWORD)
    new = _stored_connection(sql_api, "new")
    assert new is not None and (new.port, new.password) == (5432, PASSWORD)
    assert _stored_connection(sql_api, "old") is None


def test_overwriting_a_connection_sets_every_field_and_keeps_a_masked_password(api: Api) -> None:
    api.ok("POST", CONNECTIONS, 201, json=_connection("c", port=5432, schema="public"))
    result = _bulk(
        api,
        CONNECTIONS,
        {
            "action": "create",
            "entities": [{"connection_id": "c", "conn_type": "http", "password": "***"}],
            "action_on_existence": "overwrite",
        },
    )
    assert result == {"create": {"success": ["c"], "errors": []}}
    stored = _stored_connection(api, "c")
    assert stored is not None
    assert (stored.conn_type, stored.host, stored.port, stored.schema) == ("http", None, None, None)
    assert stored.password == PASSWORD


def test_a_refused_connection_action_changes_nothing(api: Api) -> None:
    api.ok("POST", CONNECTIONS, 201, json=_connection("taken"))
    result = _bulk(
        api,
        CONNECTIONS,
        {"action": "create", "entities": [_connection("fresh"), _connection("taken")]},
        # A bad extra on the second entity: the first, written already, is rolled back.
        {"action": "create", "entities": [_connection("one"), _connection("two", extra="[1]")]},
        {"action": "update", "entities": [_connection("ghost")]},
    )
    assert result["create"]["success"] == []
    errors = result["create"]["errors"]
    assert [error["status_code"] for error in errors] == [409, 400]
    assert "taken" in errors[0]["error"] and "overwrite" in errors[0]["error"]
    assert "extra must be a JSON object" in errors[1]["error"]
    assert result["update"]["errors"][0]["status_code"] == 404
    assert "ghost" in result["update"]["errors"][0]["error"]
    for conn_id in ("fresh", "one", "two"):
        assert _stored_connection(api, conn_id) is None


def test_bulk_connection_entities_are_validated_like_a_post(api: Api) -> None:
    response = api.patch(
        CONNECTIONS,
        json={"actions": [{"action": "create", "entities": [{"connection_id": "bad id!"}]}]},
    )
    assert response.status_code == 422
    assert PASSWORD not in response.text


# -- pools ---------------------------------------------------------------------------------


def test_bulk_pools_create_update_and_delete(sql_api: Api) -> None:
    sql_api.ok("POST", POOLS, 201, json={"name": "old", "slots": 1})
    sql_api.ok("POST", POOLS, 201, json={"name": "gpu", "slots": 2, "description": "GPUs"})
    result = _bulk(
        sql_api,
        POOLS,
        {"action": "create", "entities": [{"name": "new", "slots": 3, "include_deferred": True}]},
        {
            "action": "update",
            "entities": [{"name": "gpu", "slots": 8, "description": "ignored"}],
            "update_mask": ["slots"],
        },
        {"action": "delete", "entities": [{"name": "old", "slots": 0}]},
    )
    assert result == {
        "create": {"success": ["new"], "errors": []},
        "update": {"success": ["gpu"], "errors": []},
        "delete": {"success": ["old"], "errors": []},
    }
    assert _pool(sql_api, "new") == (3, None, True)
    assert _pool(sql_api, "gpu") == (8, "GPUs", False)
    assert _pool(sql_api, "old") is None
    listed = sql_api.ok("GET", POOLS)["pools"]
    assert sorted(pool["name"] for pool in listed) == ["default_pool", "gpu", "new"]


def test_bulk_pool_create_may_skip_or_overwrite(api: Api) -> None:
    api.ok("POST", POOLS, 201, json={"name": "a", "slots": 1, "description": "first"})
    entities = [{"name": "a", "slots": 5}, {"name": "b", "slots": 5}]
    skipped = _bulk(
        api, POOLS, {"action": "create", "entities": entities, "action_on_existence": "skip"}
    )
    assert skipped == {"create": {"success": ["b"], "errors": []}}
    assert _pool(api, "a") == (1, "first", False)
    overwritten = _bulk(
        api, POOLS, {"action": "create", "entities": entities, "action_on_existence": "overwrite"}
    )
    assert overwritten == {"create": {"success": ["a", "b"], "errors": []}}
    assert _pool(api, "a") == (5, None, False)  # every field, as a new pool would have


def test_the_default_pool_cannot_be_deleted_in_bulk_either(api: Api) -> None:
    api.ok("POST", POOLS, 201, json={"name": "scratch", "slots": 1})
    result = _bulk(api, POOLS, {"action": "delete", "entities": ["scratch", "default_pool"]})
    assert result["delete"]["success"] == []
    (error,) = result["delete"]["errors"]
    assert error["status_code"] == 400 and "default_pool" in error["error"]
    assert _pool(api, "scratch") == (1, None, False)  # the action was rolled back whole


def test_a_pool_named_twice_or_a_bad_mask_is_refused(api: Api) -> None:
    api.ok("POST", POOLS, 201, json={"name": "p", "slots": 1})
    result = _bulk(
        api,
        POOLS,
        {"action": "delete", "entities": ["p", "p"]},
        {"action": "update", "entities": [{"name": "p", "slots": 2}], "update_mask": ["name"]},
    )
    assert result["delete"]["errors"][0]["status_code"] == 400
    assert "more than once" in result["delete"]["errors"][0]["error"]
    assert result["update"]["errors"][0]["status_code"] == 400
    assert "update_mask" in result["update"]["errors"][0]["error"]
    assert _pool(api, "p") == (1, None, False)


def test_actions_of_one_kind_add_up_and_the_good_ones_are_kept(api: Api) -> None:
    result = _bulk(
        api,
        POOLS,
        {"action": "create", "entities": [{"name": "x", "slots": 1}]},
        {"action": "create", "entities": [{"name": "x", "slots": 1}]},
        {"action": "create", "entities": [{"name": "y", "slots": 1}]},
    )
    assert result["create"]["success"] == ["x", "y"]
    assert [error["status_code"] for error in result["create"]["errors"]] == [409]
    assert _pool(api, "x") is not None and _pool(api, "y") is not None


def test_a_value_the_database_refuses_is_an_error_of_its_action(sql_api: Api) -> None:
    result = _bulk(
        sql_api,
        POOLS,
        {"action": "create", "entities": [{"name": "nul\u0000name", "slots": 1}]},
        {"action": "create", "entities": [{"name": "fine", "slots": 1}]},
    )
    if sql_api.deployment.engine.dialect.name == "postgresql":
        # PostgreSQL refuses NUL characters in text: that action is refused, the other kept.
        assert result["create"]["success"] == ["fine"]
        (error,) = result["create"]["errors"]
        assert error["status_code"] == 400 and "database refused" in error["error"]
    else:
        assert result["create"] == {"success": ["nul\u0000name", "fine"], "errors": []}


# -- who may -------------------------------------------------------------------------------

OPERATIONS = {
    "bulk variables": Operation(
        "PATCH",
        VARIABLES,
        {"actions": [{"action": "create", "entities": [{"key": "{fresh}", "value": "v"}]}]},
        200,
        "Op",
    ),
    "bulk connections": Operation(
        "PATCH",
        CONNECTIONS,
        {"actions": [{"action": "create", "entities": [_connection("{fresh}")]}]},
        200,
        "Op",
    ),
    "bulk pools": Operation(
        "PATCH",
        POOLS,
        {"actions": [{"action": "create", "entities": [{"name": "{fresh}", "slots": 1}]}]},
        200,
        "Op",
    ),
}


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with module_api(tmp_path_factory) as api:
        yield api


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_role_matrix(matrix_api: Api, name: str, role: str) -> None:
    check_role(matrix_api, OPERATIONS[name], role)
