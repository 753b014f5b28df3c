"""Deleting the asset events queued for a DAG's next asset-triggered run (three routes).

A deleted queued event no longer counts: the scheduler leaves the asset's events up to the
deletion out of the DAG's next run, and the GET routes stop listing them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.api.conftest import Api
from tests.api.resource_helpers import RANKS
from tests.api.test_api_assets import BOTH, CONSUMER, PRODUCER

from tradewind.contracts.runs import DagRunType
from tradewind.storage.repos import dag_runs as run_repo

GUARDED_CONSUMER = """
from tradewind import Asset

with DAG(
    "guarded_consumer",
    schedule=[Asset(name="raw", uri="s3://lake/raw")],
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read"}},
) as dag:
    EmptyOperator(task_id="x")
"""


@pytest.fixture
def lake(sql_api: Api) -> Api:
    """The producer, the consumer (on raw), needs_both (raw and other), guarded_consumer
    (on raw, read-only for User); SQLite, then PostgreSQL."""
    sql_api.dags(PRODUCER, CONSUMER, BOTH, GUARDED_CONSUMER)
    return sql_api


def _ids(api: Api) -> dict[str, int]:
    body = api.ok("GET", "/api/v2/assets", params={"only_active": False})
    return {asset["uri"]: asset["id"] for asset in body["assets"]}


def _post_event(api: Api, asset_id: int) -> dict[str, Any]:
    event: dict[str, Any] = api.ok("POST", "/api/v2/assets/events", json={"asset_id": asset_id})
    return event


def _queued(api: Api, dag_id: str) -> set[int]:
    response = api.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    return {event["asset_id"] for event in response.json()["queued_events"]}


def _asset_runs(api: Api, dag_id: str) -> int:
    with api.deployment.sessions() as session:
        runs = run_repo.list_dag_runs(session=session, dag_id=dag_id)
    return sum(run.run_type is DagRunType.ASSET_TRIGGERED for run in runs)


def _step(api: Api, dag_id: str, *, expect: int) -> None:
    """Step the scheduler until ``dag_id`` has ``expect`` asset-triggered runs; when that is
    as many as it has now, through several of its looks for asset events."""
    deadline = time.monotonic() + (10.0 if expect > _asset_runs(api, dag_id) else 0.6)
    while time.monotonic() < deadline:
        if api.deployment.scheduler.step() == 0:
            time.sleep(0.01)
        if expect > 0 and _asset_runs(api, dag_id) == expect:
            return
    assert _asset_runs(api, dag_id) == expect


def _pause(api: Api, *dag_ids: str) -> None:
    for dag_id in dag_ids:
        api.ok("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": True})


def test_deleting_a_dags_queued_event_of_one_asset(lake: Api) -> None:
    ids = _ids(lake)
    raw, other = ids["s3://lake/raw"], ids["s3://lake/other"]
    _pause(lake, "consumer", "guarded_consumer")
    _post_event(lake, raw)
    assert _queued(lake, "needs_both") == {raw}
    path = f"/api/v2/dags/needs_both/assets/{raw}/queuedEvents"
    assert lake.delete(path, role="User").status_code == 204
    assert _queued(lake, "needs_both") == set()
    assert lake.get(path).status_code == 404
    assert lake.delete(path).status_code == 404  # nothing left to delete
    # The consumer, scheduled on raw too, still waits with it.
    assert _queued(lake, "consumer") == {raw}
    # needs_both now needs a new event of raw as well as one of other.
    _post_event(lake, other)
    _step(lake, "needs_both", expect=0)
    _post_event(lake, raw)
    _step(lake, "needs_both", expect=1)


def test_deleting_every_queued_event_of_a_dag(lake: Api) -> None:
    ids = _ids(lake)
    _pause(lake, "consumer", "guarded_consumer")
    _post_event(lake, ids["s3://lake/raw"])
    _post_event(lake, ids["s3://lake/other"])
    assert lake.delete("/api/v2/dags/needs_both/assets/queuedEvents").status_code == 204
    assert _queued(lake, "needs_both") == set()
    _step(lake, "needs_both", expect=0)
    again = lake.delete("/api/v2/dags/needs_both/assets/queuedEvents")
    assert again.status_code == 404
    assert "needs_both" in again.json()["detail"]


def test_deleting_an_assets_queued_events_for_every_dag(lake: Api) -> None:
    raw = _ids(lake)["s3://lake/raw"]
    _pause(lake, "consumer", "needs_both", "guarded_consumer")
    _post_event(lake, raw)
    assert lake.ok("GET", f"/api/v2/assets/{raw}/queuedEvents")["total_entries"] == 3
    # A User may not change guarded_consumer's runs: its queued event stays.
    assert lake.delete(f"/api/v2/assets/{raw}/queuedEvents", role="User").status_code == 204
    left = lake.ok("GET", f"/api/v2/assets/{raw}/queuedEvents")["queued_events"]
    assert [event["dag_id"] for event in left] == ["guarded_consumer"]
    assert lake.delete(f"/api/v2/assets/{raw}/queuedEvents", role="User").status_code == 404
    assert lake.delete(f"/api/v2/assets/{raw}/queuedEvents").status_code == 204
    assert lake.get(f"/api/v2/assets/{raw}/queuedEvents").status_code == 404


def test_before_deletes_only_events_queued_earlier(lake: Api) -> None:
    raw = _ids(lake)["s3://lake/raw"]
    _pause(lake, "consumer", "guarded_consumer")
    posted = datetime.fromisoformat(_post_event(lake, raw)["timestamp"])
    path = "/api/v2/dags/needs_both/assets/queuedEvents"
    early = (posted - timedelta(seconds=1)).isoformat()
    assert lake.delete(path, params={"before": early}).status_code == 404
    assert _queued(lake, "needs_both") == {raw}
    late = (posted + timedelta(seconds=1)).isoformat()
    assert lake.delete(path, params={"before": late}).status_code == 204
    assert _queued(lake, "needs_both") == set()
    naive = lake.delete(path, params={"before": "2024-01-01T00:00:00"})
    assert naive.status_code == 422


def test_unknown_dags_and_assets_are_404s(lake: Api) -> None:
    raw = _ids(lake)["s3://lake/raw"]
    assert lake.delete("/api/v2/dags/nope/assets/queuedEvents").status_code == 404
    assert lake.delete(f"/api/v2/dags/nope/assets/{raw}/queuedEvents").status_code == 404
    assert lake.delete("/api/v2/dags/needs_both/assets/999999/queuedEvents").status_code == 404
    missing = lake.delete("/api/v2/assets/999999/queuedEvents")
    assert missing.status_code == 404
    assert "999999" in missing.json()["detail"]


def test_a_dags_access_control_is_respected(lake: Api) -> None:
    raw = _ids(lake)["s3://lake/raw"]
    _pause(lake, "guarded_consumer")
    _post_event(lake, raw)
    refused = lake.delete("/api/v2/dags/guarded_consumer/assets/queuedEvents", role="User")
    assert refused.status_code == 403
    assert "access_control" in refused.json()["detail"]
    assert _queued(lake, "guarded_consumer") == {raw}


# -- who may -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_lake(module_sql_api: Api) -> Iterator[Api]:
    module_sql_api.dags(PRODUCER, CONSUMER, BOTH)
    _pause(module_sql_api, "consumer", "needs_both")
    yield module_sql_api


ROUTES = {
    "one asset of a DAG": "/api/v2/dags/needs_both/assets/{raw}/queuedEvents",
    "every asset of a DAG": "/api/v2/dags/needs_both/assets/queuedEvents",
    "an asset for every DAG": "/api/v2/assets/{raw}/queuedEvents",
}


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("route", list(ROUTES))
def test_the_role_matrix(matrix_lake: Api, route: str, role: str) -> None:
    raw = _ids(matrix_lake)["s3://lake/raw"]
    _post_event(matrix_lake, raw)
    response = matrix_lake.delete(ROUTES[route].format(raw=raw), role=role)
    if RANKS[role] >= RANKS["User"]:
        assert response.status_code == 204, response.text
    else:
        assert response.status_code == 403, response.text
        assert f"role {role}" in response.json()["detail"]
