"""``GET /api/v2/dagStats``: how many runs of each DAG are in each run state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.conftest import ETL, Api, make_api, sqlite_deployment

IDLE = """
with DAG("idle", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="x")
"""

SECRET = """
with DAG(
    "secret",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read"}},
) as dag:
    EmptyOperator(task_id="x")
"""


def _counts(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        dag["dag_id"]: {stat["state"]: stat["count"] for stat in dag["stats"]}
        for dag in body["dags"]
    }


def test_each_dag_with_runs_counts_them_in_every_state(sql_api: Api) -> None:
    sql_api.dags(ETL, IDLE)
    sql_api.run("etl")
    sql_api.deployment.fail("load")
    sql_api.run("etl")
    sql_api.ok("POST", "/api/v2/dags/etl/dagRuns", json={"logical_date": None})

    body = sql_api.ok("GET", "/api/v2/dagStats", role="Viewer")

    assert body["total_entries"] == 1  # "idle" has no runs
    assert body["dags"][0]["dag_display_name"] == "etl"
    assert [stat["state"] for stat in body["dags"][0]["stats"]] == [
        "queued",
        "running",
        "success",
        "failed",
    ]
    assert _counts(body) == {"etl": {"queued": 1, "running": 0, "success": 1, "failed": 1}}


def test_dag_ids_choose_the_dags(sql_api: Api) -> None:
    sql_api.dags(ETL, IDLE)
    for dag_id in ("etl", "idle"):
        sql_api.ok("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})

    both = sql_api.ok("GET", "/api/v2/dagStats")
    one = sql_api.ok("GET", "/api/v2/dagStats", params={"dag_ids": ["idle", "missing"]})

    assert sorted(_counts(both)) == ["etl", "idle"]
    assert _counts(one) == {"idle": {"queued": 1, "running": 0, "success": 0, "failed": 0}}


def test_dags_the_user_may_not_read_are_left_out(tmp_path: Path) -> None:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ETL, SECRET)
    for dag_id in ("etl", "secret"):
        api.ok("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})

    viewer = api.ok("GET", "/api/v2/dagStats", role="Viewer")
    asked = api.ok("GET", "/api/v2/dagStats", role="Viewer", params={"dag_ids": "secret"})
    user = api.ok("GET", "/api/v2/dagStats", role="User")

    assert sorted(_counts(viewer)) == ["etl"]
    assert asked == {"dags": [], "total_entries": 0}
    assert sorted(_counts(user)) == ["etl", "secret"]
    api.deployment.engine.dispose()
