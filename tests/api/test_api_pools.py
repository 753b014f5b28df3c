"""``/api/v2/pools``: pools, the slots their task instances hold, and who may change them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.api.conftest import ETL, Api
from tests.api.resource_helpers import RANKS, Operation, airflow_client, check_role, module_api

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.records import TaskInstanceRecord
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.sql_store import SqlStore

POOLS = "/api/v2/pools"


def _create(api: Api, name: str, slots: int, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("POST", POOLS, 201, json={"name": name, "slots": slots, **fields})
    return body


def _slots(api: Api, name: str) -> int | None:
    with api.deployment.sessions() as session:
        row = pool_repo.get_pool(session=session, name=name)
        return None if row is None else row.slots


def _hold(api: Api, *instances: tuple[str, S, str, int]) -> None:
    """More task instances in a new ETL run: (task_id, state, pool, pool_slots) each."""
    api.dags(ETL)
    run_id = api.deployment.trigger("etl")
    with api.deployment.sessions.begin() as session:
        SqlStore(session).add_task_instances(
            [
                TaskInstanceRecord(
                    dag_id="etl",
                    run_id=run_id,
                    task_id=task_id,
                    map_index=-1,
                    state=state,
                    pool=pool,
                    pool_slots=slots,
                )
                for task_id, state, pool, slots in instances
            ]
        )


@pytest.fixture(scope="module")
def refusing_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One API for the tests of requests that are refused (and so change nothing)."""
    with module_api(tmp_path_factory) as api:
        yield api


def test_a_pool_is_created_read_changed_and_deleted(sql_api: Api) -> None:
    created = _create(sql_api, "gpu", 4, description="GPUs")
    assert created == {
        "name": "gpu",
        "slots": 4,
        "description": "GPUs",
        "include_deferred": False,
        "occupied_slots": 0,
        "running_slots": 0,
        "queued_slots": 0,
        "scheduled_slots": 0,
        "open_slots": 4,
        "deferred_slots": 0,
        "team_name": None,
    }
    assert sql_api.ok("GET", f"{POOLS}/gpu") == created
    changed = sql_api.ok("PATCH", f"{POOLS}/gpu", json={"slots": 8, "include_deferred": True})
    assert (changed["slots"], changed["include_deferred"], changed["description"]) == (
        8,
        True,
        "GPUs",
    )
    sql_api.ok("DELETE", f"{POOLS}/gpu", 204)
    assert "'gpu'" in sql_api.ok("GET", f"{POOLS}/gpu", 404)["detail"]


def test_the_slots_held_are_counted_from_task_instances(sql_api: Api) -> None:
    _create(sql_api, "gpu", 6, include_deferred=True)
    _hold(
        sql_api,
        ("x", S.RUNNING, "gpu", 2),
        ("y", S.QUEUED, "gpu", 1),
        ("a", S.DEFERRED, "gpu", 1),
        ("b", S.SCHEDULED, "gpu", 1),
        ("c", S.SUCCESS, "gpu", 3),
        ("d", S.RUNNING, "default_pool", 1),
        ("e", S.DEFERRED, "default_pool", 1),
    )
    gpu = sql_api.ok("GET", f"{POOLS}/gpu")
    assert {key: gpu[key] for key in gpu if key.endswith("_slots")} == {
        "running_slots": 2,
        "queued_slots": 1,
        "deferred_slots": 1,
        "scheduled_slots": 1,
        "occupied_slots": 4,
        "open_slots": 2,
    }
    default = sql_api.ok("GET", f"{POOLS}/default_pool")
    # The default pool does not count deferred tasks as holding slots.
    assert (default["occupied_slots"], default["deferred_slots"], default["open_slots"]) == (
        1,
        1,
        127,
    )


def test_the_list_pages_orders_and_filters_by_name(sql_api: Api) -> None:
    _create(sql_api, "gpu_small", 2)
    _create(sql_api, "gpu_large", 16)
    page = sql_api.ok("GET", POOLS, params={"order_by": "-slots", "limit": 2})
    assert page["total_entries"] == 3
    assert [p["name"] for p in page["pools"]] == ["default_pool", "gpu_large"]
    matching = sql_api.ok("GET", POOLS, params={"pool_name_pattern": "GPU"})
    assert [p["name"] for p in matching["pools"]] == ["gpu_large", "gpu_small"]
    assert sql_api.ok("GET", POOLS, 400, params={"order_by": "size"})["detail"]


def test_a_pool_without_a_limit_has_minus_one_open_slots(api: Api) -> None:
    created = _create(api, "unlimited", -1)
    assert (created["slots"], created["open_slots"]) == (-1, -1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "p", "slots": -2}, "slots"),
        ({"name": "p", "slots": 2**31}, "slots"),
        ({"name": "", "slots": 1}, "name"),
        ({"name": "p"}, "slots"),
        ({"name": "p", "slots": 1, "pool": "p"}, "pool"),
        ({"name": "p", "slots": 1, "team_name": "t"}, "team_name"),
    ],
)
def test_a_bad_field_is_a_422_naming_it(
    refusing_api: Api, body: dict[str, Any], field: str
) -> None:
    assert field in refusing_api.ok("POST", POOLS, 422, json=body)["title"]
    assert _slots(refusing_api, "p") is None


def test_a_taken_name_is_a_409(api: Api) -> None:
    _create(api, "gpu", 2)
    assert (
        "'gpu' already exists"
        in api.ok("POST", POOLS, 409, json={"name": "gpu", "slots": 9})["detail"]
    )
    assert _slots(api, "gpu") == 2


def test_the_default_pool_cannot_be_deleted_but_its_slots_may_change(api: Api) -> None:
    detail = api.ok("DELETE", f"{POOLS}/default_pool", 400)["detail"]
    assert "default_pool" in detail
    assert api.ok("PATCH", f"{POOLS}/default_pool", json={"slots": 16})["slots"] == 16


def test_a_pool_cannot_be_renamed(api: Api) -> None:
    detail = api.ok("PATCH", f"{POOLS}/default_pool", 400, json={"pool": "o", "slots": 3})["detail"]
    assert "cannot be renamed" in detail
    # /api/v1 calls the name "name"; /api/v2 calls it "pool", as Airflow 3 does.
    assert "name" in api.ok("PATCH", f"{POOLS}/default_pool", 422, json={"name": "o"})["title"]
    assert _slots(api, "default_pool") == 128
    assert api.ok("PATCH", f"{POOLS}/default_pool", json={"pool": "default_pool", "slots": 3})


def test_a_bad_patch_changes_nothing(api: Api) -> None:
    _create(api, "gpu", 2, description="GPUs")
    nulled = api.ok("PATCH", f"{POOLS}/gpu", 400, json={"slots": None, "description": "x"})
    assert "slots cannot be null" in nulled["detail"]
    masked = api.ok("PATCH", f"{POOLS}/gpu", 400, json={"slots": 3}, params={"update_mask": "name"})
    assert "name" in masked["detail"]
    assert "'ghost'" in api.ok("PATCH", f"{POOLS}/ghost", 404, json={"slots": 1})["detail"]
    assert "'ghost'" in api.ok("DELETE", f"{POOLS}/ghost", 404)["detail"]
    pool = api.ok("GET", f"{POOLS}/gpu")
    assert (pool["slots"], pool["description"]) == (2, "GPUs")


def test_patch_with_an_update_mask_changes_only_what_it_names(api: Api) -> None:
    _create(api, "gpu", 2, description="GPUs")
    changed = api.ok(
        "PATCH",
        f"{POOLS}/gpu",
        json={"slots": 5, "description": "new"},
        params={"update_mask": "slots"},
    )
    assert (changed["slots"], changed["description"]) == (5, "GPUs")


def test_a_name_may_hold_slashes(api: Api) -> None:
    _create(api, "team/gpu", 1)
    assert api.ok("GET", f"{POOLS}/team/gpu")["name"] == "team/gpu"


# -- who may -------------------------------------------------------------------------------------

OPERATIONS = {
    "list": Operation("GET", POOLS, None, 200, "Viewer"),
    "read": Operation("GET", f"{POOLS}/default_pool", None, 200, "Viewer"),
    "create": Operation("POST", POOLS, {"name": "{fresh}", "slots": 1}, 201, "Op"),
    "change": Operation("PATCH", f"{POOLS}/default_pool", {"slots": 128}, 200, "Op"),
    "delete": Operation(
        "DELETE",
        f"{POOLS}/{{fresh}}",
        None,
        204,
        "Op",
        prepare=("POST", POOLS, {"name": "{fresh}", "slots": 1}),
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


# -- Airflow's client ----------------------------------------------------------------------------


def test_airflows_client_manages_pools(api: Api) -> None:
    with airflow_client(api) as (airflow, client):
        pools = airflow.PoolApi(client)
        created = pools.post_pool(airflow.PoolBody(name="gpu", slots=-1, description="GPUs"))
        assert (created.name, created.slots, created.open_slots) == ("gpu", -1, -1)
        patched = pools.patch_pool("gpu", airflow.PoolPatchBody(pool="gpu", slots=3))
        assert (patched.slots, patched.open_slots, patched.description) == (3, 3, "GPUs")
        page = pools.get_pools(pool_name_pattern="gpu")
        assert [p.name for p in page.pools] == ["gpu"]
        with pytest.raises(airflow.ApiException) as refused:
            pools.delete_pool("default_pool")
        assert refused.value.status == 400
        pools.delete_pool("gpu")
        assert [p.name for p in pools.get_pools().pools] == ["default_pool"]
