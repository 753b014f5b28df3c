"""``/api/v2/dags/{dag_id}/dagVersions``: the versions the DAG processor recorded."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import ETL, OTHER, Api, make_api, settings_for, sqlite_deployment

from tradewind.server.api_process import serve_api_in_thread

#: ETL with one more task: a second version.
ETL_V2 = (
    ETL
    + """
    b >> PythonOperator(task_id="report", python_callable=work("report"))
"""
)

SECRET = """
with DAG(
    "secret",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read"}},
) as dag:
    EmptyOperator(task_id="x")
"""


def _two_versions(api: Api) -> None:
    api.dags(ETL, OTHER)
    api.deployment.write_dag("dag_0.py", ETL_V2)
    api.deployment.parse()


def _numbers(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(v["dag_id"], v["version_number"]) for v in body["dag_versions"]]


def test_a_dags_versions_are_listed_and_read(sql_api: Api) -> None:
    _two_versions(sql_api)

    body = sql_api.ok("GET", "/api/v2/dags/etl/dagVersions", role="Viewer")
    second = sql_api.ok("GET", "/api/v2/dags/etl/dagVersions/2", role="Viewer")

    assert body["total_entries"] == 2
    assert _numbers(body) == [("etl", 1), ("etl", 2)]
    assert body["dag_versions"][1] == second
    assert second["dag_display_name"] == "etl"
    assert (second["bundle_name"], second["bundle_version"], second["bundle_url"]) == (
        None,
        None,
        None,
    )
    assert second["created_at"] >= body["dag_versions"][0]["created_at"]


def test_versions_are_ordered_paged_and_filtered(sql_api: Api) -> None:
    _two_versions(sql_api)

    every = sql_api.ok("GET", "/api/v2/dags/~/dagVersions")
    newest = sql_api.ok(
        "GET", "/api/v2/dags/~/dagVersions", params={"order_by": "-version_number", "limit": 1}
    )
    first_only = sql_api.ok("GET", "/api/v2/dags/~/dagVersions", params={"version_number": 1})
    bundled = sql_api.ok("GET", "/api/v2/dags/etl/dagVersions", params={"bundle_name": "x"})
    bad = sql_api.get("/api/v2/dags/etl/dagVersions", params={"order_by": "nope"})

    assert sorted(_numbers(every)) == [("etl", 1), ("etl", 2), ("other", 1)]
    assert _numbers(newest) == [("etl", 2)]
    assert newest["total_entries"] == 3
    assert sorted(_numbers(first_only)) == [("etl", 1), ("other", 1)]
    assert bundled == {"dag_versions": [], "total_entries": 0}
    assert bad.status_code == 400
    assert "version_number" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v2/dags/etl/dagVersions/7", "has no version 7"),
        ("/api/v2/dags/etl/dagVersions/99999999999", "has no version 99999999999"),
        ("/api/v2/dags/missing/dagVersions", "'missing' was not found"),
        ("/api/v2/dags/missing/dagVersions/1", "'missing' was not found"),
    ],
)
def test_what_is_not_there_is_a_404(module_api: Api, path: str, detail: str) -> None:
    response = module_api.get(path, role="Viewer")

    assert response.status_code == 404
    assert detail in response.json()["detail"]


def test_a_dags_access_control_governs_its_versions(tmp_path: Path) -> None:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ETL, SECRET)

    listed = api.ok("GET", "/api/v2/dags/~/dagVersions", role="Viewer")
    refused = api.get("/api/v2/dags/secret/dagVersions/1", role="Viewer")
    allowed = api.get("/api/v2/dags/secret/dagVersions/1", role="User")

    assert _numbers(listed) == [("etl", 1)]
    assert refused.status_code == 403
    assert allowed.status_code == 200
    api.deployment.engine.dispose()


def test_airflows_client_reads_dag_versions(tmp_path: Path) -> None:
    client_module = pytest.importorskip("airflow_client.client")
    api = make_api(sqlite_deployment(tmp_path))
    _two_versions(api)
    stop = threading.Event()
    server = serve_api_in_thread(
        settings_for(tmp_path), api.deployment.sessions, "127.0.0.1", 0, stop
    )
    configuration = client_module.Configuration(host=server.url, access_token=api.tokens["viewer"])
    try:
        with client_module.ApiClient(configuration) as api_client:
            versions = client_module.DagVersionApi(api_client)
            listed = versions.get_dag_versions("etl", order_by=["-id"])
            one = versions.get_dag_version("etl", 1)
    finally:
        stop.set()
        server.thread.join(10)
        api.deployment.engine.dispose()

    assert [v.version_number for v in listed.dag_versions] == [2, 1]
    assert one.dag_id == "etl"
    assert one.version_number == 1
