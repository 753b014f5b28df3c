"""``/api/v2/variables``: reading, writing, masking secrets, bulk changes and who may."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.api.conftest import Api
from tests.api.resource_helpers import RANKS, Operation, airflow_client, check_role, module_api

VARIABLES = "/api/v2/variables"


def _create(api: Api, key: str, value: Any, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok(
        "POST", VARIABLES, 201, json={"key": key, "value": value, **fields}
    )
    return body


def _stored(api: Api, key: str) -> str | None:
    from tradewind.storage.repos import variables

    with api.deployment.sessions() as session:
        row = variables.get_variable(session=session, key=key)
        return None if row is None else row.val


# -- reading and writing -------------------------------------------------------------------------


def test_a_variable_is_created_read_changed_and_deleted(sql_api: Api) -> None:
    created = _create(sql_api, "region", "eu-west-1", description="Where we run")
    assert created == {
        "key": "region",
        "value": "eu-west-1",
        "description": "Where we run",
        "is_encrypted": False,
        "team_name": None,
    }
    assert sql_api.ok("GET", f"{VARIABLES}/region") == created
    changed = sql_api.ok("PATCH", f"{VARIABLES}/region", json={"key": "region", "value": "us"})
    assert (changed["value"], changed["description"]) == ("us", "Where we run")
    assert sql_api.ok("DELETE", f"{VARIABLES}/region", 204) is None
    missing = sql_api.ok("GET", f"{VARIABLES}/region", 404)
    assert "'region'" in missing["detail"]


def test_the_list_pages_orders_and_filters_by_key(sql_api: Api) -> None:
    for key in ("b_one", "a_two", "c_three", "other"):
        _create(sql_api, key, key.upper())
    page = sql_api.ok("GET", VARIABLES, params={"limit": 2, "offset": 1, "order_by": "-key"})
    assert page["total_entries"] == 4
    assert [v["key"] for v in page["variables"]] == ["c_three", "b_one"]
    matching = sql_api.ok("GET", VARIABLES, params={"variable_key_pattern": "TWO|three"})
    assert [v["key"] for v in matching["variables"]] == ["a_two", "c_three"]
    by_value = sql_api.ok("GET", VARIABLES, params={"order_by": "value"})
    assert [v["value"] for v in by_value["variables"]] == ["A_TWO", "B_ONE", "C_THREE", "OTHER"]


def test_ordering_by_an_unknown_field_is_a_400_naming_it(api: Api) -> None:
    detail = api.ok("GET", VARIABLES, 400, params={"order_by": "colour"})["detail"]
    assert "colour" in detail


def test_a_value_that_is_not_a_string_is_stored_as_json_text(api: Api) -> None:
    created = _create(api, "limits", {"rows": 10, "tables": ["a", "b"]})
    assert json.loads(created["value"]) == {"rows": 10, "tables": ["a", "b"]}
    assert _create(api, "count", 3)["value"] == "3"
    assert _stored(api, "count") == "3"


def test_a_null_value_is_refused(api: Api) -> None:
    detail = api.ok("POST", VARIABLES, 400, json={"key": "k", "value": None})["detail"]
    assert "value cannot be null" in detail
    assert _stored(api, "k") is None


def test_a_taken_key_is_a_409_and_the_value_stays(api: Api) -> None:
    _create(api, "region", "eu")
    detail = api.ok("POST", VARIABLES, 409, json={"key": "region", "value": "us"})["detail"]
    assert "'region' already exists" in detail
    assert _stored(api, "region") == "eu"


def test_unknown_and_missing_body_fields_are_422s_naming_them(api: Api) -> None:
    unknown = api.ok("POST", VARIABLES, 422, json={"key": "k", "value": "v", "colour": "red"})
    assert "colour" in unknown["title"]
    missing = api.ok("POST", VARIABLES, 422, json={"key": "k"})
    assert "body.value" in missing["title"]
    teams = api.ok("POST", VARIABLES, 422, json={"key": "k", "value": "v", "team_name": "a"})
    assert "team_name" in teams["title"]
    empty = api.ok("POST", VARIABLES, 422, json={"key": "", "value": "v"})
    assert "body.key" in empty["title"]


def test_a_key_may_hold_slashes(api: Api) -> None:
    _create(api, "team/a/bucket", "s3://bucket")
    assert api.ok("GET", f"{VARIABLES}/team/a/bucket")["value"] == "s3://bucket"
    api.ok("DELETE", f"{VARIABLES}/team/a/bucket", 204)


def test_patch_with_an_update_mask_changes_only_what_it_names(api: Api) -> None:
    _create(api, "region", "eu", description="old")
    body = {"key": "region", "value": "us", "description": "new"}
    changed = api.ok(
        "PATCH", f"{VARIABLES}/region", json=body, params={"update_mask": "description"}
    )
    assert (changed["value"], changed["description"]) == ("eu", "new")
    cleared = api.ok(
        "PATCH",
        f"{VARIABLES}/region",
        json={"key": "region", "value": "eu"},
        params={"update_mask": ["description"]},
    )
    assert cleared["description"] is None


def test_a_bad_patch_changes_nothing(api: Api) -> None:
    _create(api, "region", "eu")
    bad_mask = api.ok(
        "PATCH",
        f"{VARIABLES}/region",
        400,
        json={"key": "region", "value": "us"},
        params={"update_mask": ["value", "key"]},
    )
    assert "key" in bad_mask["detail"]
    other_key = api.ok("PATCH", f"{VARIABLES}/region", 400, json={"key": "zone", "value": "us"})
    assert "cannot be renamed" in other_key["detail"]
    missing = api.ok("PATCH", f"{VARIABLES}/nowhere", 404, json={"key": "nowhere", "value": "x"})
    assert "'nowhere'" in missing["detail"]
    assert _stored(api, "region") == "eu"


def test_deleting_a_missing_variable_is_a_404_naming_it(api: Api) -> None:
    assert "'ghost'" in api.ok("DELETE", f"{VARIABLES}/ghost", 404)["detail"]


# -- secrets -------------------------------------------------------------------------------------


def test_a_secret_value_is_masked_in_every_response(sql_api: Api) -> None:
    secret = "hunter2-very-secret"
    responses = [
        _create(sql_api, "db_password", secret),
        sql_api.ok("GET", f"{VARIABLES}/db_password"),
        sql_api.ok("GET", VARIABLES)["variables"][0],
        sql_api.ok(
            "PATCH",
            f"{VARIABLES}/db_password",
            json={"key": "db_password", "value": secret, "description": "d"},
        ),
    ]
    assert [response["value"] for response in responses] == ["***"] * 4
    assert _stored(sql_api, "db_password") == secret


def test_secrets_inside_a_json_value_are_masked(api: Api) -> None:
    created = _create(
        api, "warehouse", {"host": "db", "password": "pw-123456", "nested": [{"API_KEY": "k"}]}
    )
    assert json.loads(created["value"]) == {
        "host": "db",
        "password": "***",
        "nested": [{"API_KEY": "***"}],
    }
    plain = _create(api, "plain", '{"host": "db"}')
    assert plain["value"] == '{"host": "db"}'


def test_sending_the_masks_back_keeps_the_secrets(api: Api) -> None:
    _create(api, "api_token", "tok-123456")
    _create(api, "warehouse", {"host": "db", "password": "pw-123456"})
    token = api.ok("GET", f"{VARIABLES}/api_token")
    api.ok("PATCH", f"{VARIABLES}/api_token", json={"key": "api_token", "value": token["value"]})
    assert _stored(api, "api_token") == "tok-123456"
    warehouse = api.ok("GET", f"{VARIABLES}/warehouse")
    edited = json.loads(warehouse["value"]) | {"host": "db2"}
    api.ok("PATCH", f"{VARIABLES}/warehouse", json={"key": "warehouse", "value": edited})
    assert json.loads(_stored(api, "warehouse") or "") == {"host": "db2", "password": "pw-123456"}


def test_a_value_too_deeply_nested_to_read_as_json_is_shown_as_text(api: Api) -> None:
    from tradewind.storage.repos import variables

    deep = "[" * 5000 + "]" * 5000
    with api.deployment.sessions.begin() as session:
        variables.create_variable(session=session, key="deep", value=deep)
        variables.create_variable(session=session, key="deep_secret", value=deep)
    assert api.ok("GET", f"{VARIABLES}/deep")["value"] == deep
    assert api.ok("GET", f"{VARIABLES}/deep_secret")["value"] == "***"


# -- bulk ----------------------------------------------------------------------------------------


def test_bulk_actions_create_update_and_delete(sql_api: Api) -> None:
    _create(sql_api, "old", "1")
    _create(sql_api, "kept", "1", description="d")
    result = sql_api.ok(
        "PATCH",
        VARIABLES,
        json={
            "actions": [
                {"action": "create", "entities": [{"key": "new", "value": [1, 2]}]},
                {
                    "action": "update",
                    "entities": [{"key": "kept", "value": "2", "description": "x"}],
                    "update_mask": ["value"],
                },
                {
                    "action": "delete",
                    "entities": ["old", {"key": "ghost", "value": "-"}],
                    "action_on_non_existence": "skip",
                },
            ]
        },
    )
    assert result == {
        "create": {"success": ["new"], "errors": []},
        "update": {"success": ["kept"], "errors": []},
        "delete": {"success": ["old"], "errors": []},
    }
    listed = {v["key"]: v for v in sql_api.ok("GET", VARIABLES)["variables"]}
    assert sorted(listed) == ["kept", "new"]
    assert (listed["kept"]["value"], listed["kept"]["description"]) == ("2", "d")
    assert listed["new"]["value"] == "[1, 2]"


def test_a_refused_bulk_action_changes_nothing_and_the_others_apply(api: Api) -> None:
    _create(api, "taken", "1")
    result = api.ok(
        "PATCH",
        VARIABLES,
        json={
            "actions": [
                {
                    "action": "create",
                    "entities": [{"key": "fresh", "value": "1"}, {"key": "taken", "value": "2"}],
                },
                {"action": "delete", "entities": ["taken", "ghost"]},
                {"action": "update", "entities": [{"key": "taken", "value": "3"}]},
            ]
        },
    )
    assert result["create"]["success"] == []
    assert result["create"]["errors"][0]["status_code"] == 409
    assert "taken" in result["create"]["errors"][0]["error"]
    assert result["delete"]["errors"][0]["status_code"] == 404
    assert "ghost" in result["delete"]["errors"][0]["error"]
    assert result["update"] == {"success": ["taken"], "errors": []}
    assert (_stored(api, "fresh"), _stored(api, "taken")) == (None, "3")


def test_a_bulk_action_with_one_bad_value_creates_nothing(api: Api) -> None:
    entities = [{"key": "good", "value": "1"}, {"key": "bad", "value": None}]
    result = api.ok(
        "PATCH", VARIABLES, json={"actions": [{"action": "create", "entities": entities}]}
    )
    assert result["create"]["errors"][0]["status_code"] == 400
    assert "value cannot be null" in result["create"]["errors"][0]["error"]
    assert (_stored(api, "good"), _stored(api, "bad")) == (None, None)


def test_bulk_create_may_skip_or_overwrite_taken_keys(api: Api) -> None:
    _create(api, "a", "1")
    entities = [{"key": "a", "value": "2"}, {"key": "b", "value": "2"}]
    skipped = api.ok(
        "PATCH",
        VARIABLES,
        json={
            "actions": [{"action": "create", "entities": entities, "action_on_existence": "skip"}]
        },
    )
    assert skipped == {"create": {"success": ["b"], "errors": []}}
    assert _stored(api, "a") == "1"
    overwritten = api.ok(
        "PATCH",
        VARIABLES,
        json={
            "actions": [
                {"action": "create", "entities": entities, "action_on_existence": "overwrite"}
            ]
        },
    )
    assert overwritten == {"create": {"success": ["a", "b"], "errors": []}}
    assert _stored(api, "a") == "2"


def test_a_bulk_action_naming_a_key_twice_is_refused(api: Api) -> None:
    result = api.ok(
        "PATCH",
        VARIABLES,
        json={"actions": [{"action": "delete", "entities": ["a", "a"]}]},
    )
    assert result["delete"]["errors"][0]["status_code"] == 400


def test_an_unknown_bulk_action_is_a_422(api: Api) -> None:
    response = api.ok(
        "PATCH", VARIABLES, 422, json={"actions": [{"action": "rename", "entities": []}]}
    )
    assert "actions" in response["title"]


# -- who may -------------------------------------------------------------------------------------

OPERATIONS = {
    "list": Operation("GET", VARIABLES, None, 200, "Op"),
    "read": Operation("GET", f"{VARIABLES}/greeting", None, 200, "Op"),
    "create": Operation("POST", VARIABLES, {"key": "{fresh}", "value": "v"}, 201, "Op"),
    "change": Operation(
        "PATCH", f"{VARIABLES}/greeting", {"key": "greeting", "value": "hi"}, 200, "Op"
    ),
    "delete": Operation(
        "DELETE",
        f"{VARIABLES}/{{fresh}}",
        None,
        204,
        "Op",
        prepare=("POST", VARIABLES, {"key": "{fresh}", "value": "v"}),
    ),
    "bulk": Operation(
        "PATCH", VARIABLES, {"actions": [{"action": "delete", "entities": []}]}, 200, "Op"
    ),
}


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with module_api(tmp_path_factory) as api:
        _create(api, "greeting", "hello")
        yield api


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_role_matrix(matrix_api: Api, name: str, role: str) -> None:
    check_role(matrix_api, OPERATIONS[name], role)


# -- Airflow's client ----------------------------------------------------------------------------


def test_airflows_client_manages_variables(api: Api) -> None:
    with airflow_client(api) as (airflow, client):
        variables = airflow.VariableApi(client)
        created = variables.post_variable(
            airflow.VariableBody(key="db_password", value="pw-123456", description="secret")
        )
        assert (created.key, created.value, created.is_encrypted) == ("db_password", "***", False)
        variables.post_variable(airflow.VariableBody(key="region", value={"zone": "a"}))
        page = variables.get_variables(limit=1, order_by=["-key"], variable_key_pattern="R")
        assert (page.total_entries, [v.key for v in page.variables]) == (2, ["region"])
        patched = variables.patch_variable(
            "region", airflow.VariableBody(key="region", value="b"), update_mask=["value"]
        )
        assert patched.value == "b"
        bulk = variables.bulk_variables(
            airflow.BulkBodyVariableBody(
                actions=[
                    airflow.ActionsInner4(
                        airflow.BulkDeleteActionVariableBody(
                            action="delete", entities=[airflow.EntitiesInner4("region")]
                        )
                    )
                ]
            )
        )
        assert bulk.delete is not None and bulk.delete.success == ["region"]
        variables.delete_variable("db_password")
        with pytest.raises(airflow.ApiException) as missing:
            variables.get_variable("db_password")
        assert missing.value.status == 404
