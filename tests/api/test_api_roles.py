"""What each role may do (the allow/deny matrix), and a DAG's own ``access_control``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import ETL, Api, make_api, sqlite_deployment
from tests.server.deployment import parse_here

from tradewind.api.auth.roles import ROLE_PERMISSIONS, Permission, Role, parse_access_control

DOOMED = """
with DAG("doomed", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="x")
"""

#: Roles from the least to the most privileged.
RANKS = {"Viewer": 0, "User": 1, "Op": 2, "Admin": 3}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    body: Any
    status: int
    least_role: str


RUNS = "/api/v2/dags/etl/dagRuns"
OPERATIONS = {
    "list DAGs": Operation("GET", "/api/v2/dags", None, 200, "Viewer"),
    "read a DAG": Operation("GET", "/api/v2/dags/etl/details", None, 200, "Viewer"),
    "read the source": Operation("GET", "/api/v2/dagSources/etl", None, 200, "Viewer"),
    "read tasks": Operation("GET", "/api/v2/dags/etl/tasks", None, 200, "Viewer"),
    "list runs": Operation("GET", RUNS, None, 200, "Viewer"),
    "read a run": Operation("GET", f"{RUNS}/base", None, 200, "Viewer"),
    "list task instances": Operation("GET", f"{RUNS}/base/taskInstances", None, 200, "Viewer"),
    "read tries": Operation("GET", f"{RUNS}/base/taskInstances/load/tries", None, 200, "Viewer"),
    "read upstream asset events": Operation(
        "GET", f"{RUNS}/base/upstreamAssetEvents", None, 200, "Viewer"
    ),
    "pause a DAG": Operation("PATCH", "/api/v2/dags/etl", {"is_paused": False}, 200, "User"),
    "trigger a run": Operation("POST", RUNS, {"logical_date": None}, 200, "User"),
    "mark a run": Operation("PATCH", f"{RUNS}/base", {"state": "queued"}, 200, "User"),
    "note a run": Operation("PATCH", f"{RUNS}/base", {"note": "n"}, 200, "User"),
    "clear a run": Operation("POST", f"{RUNS}/base/clear", {}, 200, "User"),
    "mark a task": Operation(
        "PATCH", f"{RUNS}/base/taskInstances/load", {"new_state": "success"}, 200, "User"
    ),
    "clear tasks": Operation("POST", "/api/v2/dags/etl/clearTaskInstances", {}, 200, "User"),
    "delete a run": Operation("DELETE", f"{RUNS}/{{fresh}}", None, 204, "User"),
    "delete a DAG": Operation("DELETE", "/api/v2/dags/doomed", None, 204, "User"),
    "list asset aliases": Operation("GET", "/api/v2/assets/aliases", None, 200, "Viewer"),
    # etl is not scheduled on assets: nothing queued (404) once the role may delete at all.
    "delete queued events": Operation(
        "DELETE", "/api/v2/dags/etl/assets/queuedEvents", None, 404, "User"
    ),
    "bulk variables": Operation("PATCH", "/api/v2/variables", {"actions": []}, 200, "Op"),
    "bulk connections": Operation("PATCH", "/api/v2/connections", {"actions": []}, 200, "Op"),
    "bulk pools": Operation("PATCH", "/api/v2/pools", {"actions": []}, 200, "Op"),
}


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One deployment for the whole matrix: every operation leaves it usable by the next."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        api = make_api(sqlite_deployment(tmp_path_factory.mktemp("matrix")))
        api.dags(ETL, DOOMED)
        api.ok("POST", RUNS, json={"logical_date": None, "dag_run_id": "base"})
        with api.client:
            yield api
    api.deployment.engine.dispose()


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_role_matrix(matrix_api: Api, name: str, role: str) -> None:
    operation = OPERATIONS[name]
    path = operation.path
    if "{fresh}" in path:
        fresh = matrix_api.ok("POST", RUNS, json={"logical_date": None})["dag_run_id"]
        path = path.format(fresh=fresh)
    kwargs = {} if operation.body is None else {"json": operation.body}
    response = matrix_api.request(operation.method, path, role=role, **kwargs)
    if RANKS[role] >= RANKS[operation.least_role]:
        assert response.status_code == operation.status, response.text
    else:
        assert response.status_code == 403, response.text
        assert f"role {role}" in response.json()["detail"]
    if name == "delete a DAG" and response.status_code == 204:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
            matrix_api.deployment.parse()  # the file still defines it: it comes back


def test_each_role_has_the_permissions_of_the_one_below() -> None:
    viewer, user, op, admin = (
        ROLE_PERMISSIONS[r] for r in (Role.VIEWER, Role.USER, Role.OP, Role.ADMIN)
    )
    assert viewer < user < op < admin
    assert viewer == {Permission.DAGS_READ}
    assert Permission.RUNS_TRIGGER in user and Permission.VARIABLES_MANAGE not in user
    assert {
        Permission.VARIABLES_MANAGE,
        Permission.CONNECTIONS_MANAGE,
        Permission.POOLS_MANAGE,
    } <= op
    assert Permission.USERS_MANAGE in admin and Permission.USERS_MANAGE not in op


ACL = """
with DAG(
    "secret",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read", "can_edit"}, "Viewer": {"can_read"}},
) as secret:
    EmptyOperator(task_id="x")

with DAG(
    "readonly",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read"}},
) as readonly:
    EmptyOperator(task_id="x")
"""


def _visible(api: Api, role: str) -> tuple[list[str], int]:
    body = api.ok("GET", "/api/v2/dags", role=role)
    return [dag["dag_id"] for dag in body["dags"]], body["total_entries"]


@pytest.fixture
def acl_api(tmp_path: Path) -> Api:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ETL, ACL)
    return api


def test_access_control_limits_which_roles_see_a_dag(acl_api: Api) -> None:
    assert _visible(acl_api, "Admin") == (["etl", "readonly", "secret"], 3)
    assert _visible(acl_api, "User") == (["etl", "readonly", "secret"], 3)
    assert _visible(acl_api, "Viewer") == (["etl", "secret"], 2)
    assert _visible(acl_api, "Op") == (["etl"], 1)
    hidden = acl_api.get("/api/v2/dags/secret", role="Op")
    assert hidden.status_code == 403
    assert "access_control" in hidden.json()["detail"]
    assert acl_api.get("/api/v2/dags/readonly/dagRuns", role="Viewer").status_code == 403


def test_access_control_limits_which_roles_change_a_dag(acl_api: Api) -> None:
    trigger = {"json": {"logical_date": None}}
    assert acl_api.post("/api/v2/dags/secret/dagRuns", role="User", **trigger).status_code == 200
    refused = acl_api.post("/api/v2/dags/readonly/dagRuns", role="User", **trigger)
    assert refused.status_code == 403
    assert "readonly" in refused.json()["detail"]
    assert acl_api.post("/api/v2/dags/secret/dagRuns", role="Viewer", **trigger).status_code == 403
    assert acl_api.post("/api/v2/dags/readonly/dagRuns", role="Admin", **trigger).status_code == 200
    assert acl_api.delete("/api/v2/dags/secret", role="User").status_code == 403  # no can_delete


def test_runs_and_task_instances_of_hidden_dags_are_left_out_of_tilde_lists(acl_api: Api) -> None:
    for dag_id in ("etl", "secret"):
        acl_api.ok("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})
    runs = acl_api.ok("GET", "/api/v2/dags/~/dagRuns", role="Op")
    assert [run["dag_id"] for run in runs["dag_runs"]] == ["etl"]
    assert runs["total_entries"] == 1
    batch = acl_api.ok("POST", "/api/v2/dags/~/dagRuns/list", role="Op", json={})
    assert batch["total_entries"] == 1
    tis = acl_api.ok("GET", "/api/v2/dags/~/dagRuns/~/taskInstances", role="Op")
    assert {ti["dag_id"] for ti in tis["task_instances"]} == {"etl"}
    assert acl_api.ok("GET", "/api/v2/dags/~/dagRuns", role="Viewer")["total_entries"] == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ({}, None),
        ({"User": {"can_read"}}, {"user": frozenset({"can_read"})}),
        ({"User": ["can_edit"]}, {"user": frozenset({"can_edit"})}),
        ({"User": "{'can_read', 'can_edit'}"}, {"user": frozenset({"can_read", "can_edit"})}),
        (
            {"Op": {"DAGs": {"can_read"}, "DAG Runs": {"can_create"}}},
            {"op": frozenset({"can_read", "can_create", "can_edit"})},
        ),
    ],
)
def test_access_control_is_read_in_all_its_forms(value: Any, expected: Any) -> None:
    assert parse_access_control(value) == expected
