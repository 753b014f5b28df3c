"""``/api/v2/importErrors``: the files that failed to load, with what each user may see."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import ETL, Api, make_api, settings_for, sqlite_deployment

from tradewind.server.api_process import serve_api_in_thread

BROKEN = """
raise ValueError("this file is broken on purpose")
"""

TWO_DAGS = """
with DAG("open", schedule=None, start_date=datetime(2024, 1, 1)) as first:
    EmptyOperator(task_id="x")

with DAG(
    "closed",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"Viewer": {"can_read"}},
) as second:
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


def _errors(api: Api, role: str = "Admin", **params: Any) -> Any:
    return api.ok("GET", "/api/v2/importErrors", params=params, role=role)


def test_a_broken_file_is_listed_and_read(sql_api: Api) -> None:
    sql_api.dags(ETL, BROKEN)

    body = _errors(sql_api, role="Viewer")
    error = body["import_errors"][0]
    one = sql_api.ok("GET", f"/api/v2/importErrors/{error['import_error_id']}", role="Viewer")

    assert body["total_entries"] == 1
    assert error["filename"] == "dag_1.py"
    assert error["bundle_name"] is None
    assert "ValueError: this file is broken on purpose" in error["stack_trace"]
    assert one == error


def test_errors_are_paged_ordered_and_filtered(sql_api: Api) -> None:
    sql_api.dags(BROKEN, ETL, BROKEN, BROKEN)  # dag_0, dag_2 and dag_3 are broken

    newest_first = _errors(sql_api, order_by="-filename")
    page = _errors(sql_api, limit=1, offset=1)
    by_name = _errors(sql_api, filename="dag_2.py")
    by_pattern = _errors(sql_api, filename_pattern="3.p")
    from_a_bundle = _errors(sql_api, bundle_name="dags-folder")
    bad_order = sql_api.get("/api/v2/importErrors", params={"order_by": "nope"})

    names = [e["filename"] for e in newest_first["import_errors"]]
    assert names == ["dag_3.py", "dag_2.py", "dag_0.py"]
    assert page["total_entries"] == 3
    assert len(page["import_errors"]) == 1
    assert [e["filename"] for e in by_name["import_errors"]] == ["dag_2.py"]
    assert [e["filename"] for e in by_pattern["import_errors"]] == ["dag_3.py"]
    assert from_a_bundle["total_entries"] == 0
    assert bad_order.status_code == 400
    assert "import_error_id" in bad_order.json()["detail"]


@pytest.mark.parametrize("import_error_id", [12345, 0, -1, 2**40])
def test_an_unknown_error_is_a_404(module_api: Api, import_error_id: int) -> None:
    response = module_api.get(f"/api/v2/importErrors/{import_error_id}", role="Viewer")

    assert response.status_code == 404
    assert f"no import error {import_error_id}" in response.json()["detail"]


def _break(api: Api, name: str) -> None:
    """Make a parsed DAG file fail to load from now on (its DAGs stay recorded)."""
    api.deployment.write_dag(name, BROKEN)
    api.deployment.parse()


@pytest.fixture
def restricted(tmp_path: Path) -> Api:
    """dag_0.py defined "open" and "closed" (Viewer only), dag_1.py "secret" (User only),
    dag_2.py never defined a DAG; all three fail to load now."""
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(TWO_DAGS, SECRET, BROKEN)
    _break(api, "dag_0.py")
    _break(api, "dag_1.py")
    return api


def _visible(api: Api, role: str) -> dict[str, str]:
    return {e["filename"]: e["stack_trace"] for e in _errors(api, role)["import_errors"]}


def test_who_may_read_a_files_dags_sees_its_errors(restricted: Api) -> None:
    admin = _visible(restricted, "Admin")
    viewer = _visible(restricted, "Viewer")
    user = _visible(restricted, "User")
    op = _visible(restricted, "Op")

    assert sorted(admin) == ["dag_0.py", "dag_1.py", "dag_2.py"]
    assert all("broken on purpose" in trace for trace in admin.values())
    # Viewer reads both DAGs of dag_0.py, not "secret": dag_1.py is left out.
    assert sorted(viewer) == ["dag_0.py", "dag_2.py"]
    assert "broken on purpose" in viewer["dag_0.py"]
    # User reads "open" but not "closed": dag_0.py shows without its stack trace.
    assert user["dag_0.py"].startswith("REDACTED")
    assert "broken on purpose" in user["dag_1.py"]
    assert sorted(op) == ["dag_0.py", "dag_2.py"]
    # A file that never defined a DAG shows no stack trace to a narrowed role.
    assert op["dag_2.py"].startswith("REDACTED")
    restricted.deployment.engine.dispose()


def test_an_error_of_a_file_whose_dags_are_all_hidden_is_a_403(restricted: Api) -> None:
    ids = {e["filename"]: e["import_error_id"] for e in _errors(restricted)["import_errors"]}

    refused = restricted.get(f"/api/v2/importErrors/{ids['dag_1.py']}", role="Viewer")
    allowed = restricted.get(f"/api/v2/importErrors/{ids['dag_1.py']}", role="User")

    assert refused.status_code == 403
    assert "access_control" in refused.json()["detail"]
    assert allowed.status_code == 200
    restricted.deployment.engine.dispose()


def test_airflows_client_reads_import_errors(tmp_path: Path) -> None:
    client_module = pytest.importorskip("airflow_client.client")
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ETL, BROKEN)
    stop = threading.Event()
    server = serve_api_in_thread(
        settings_for(tmp_path), api.deployment.sessions, "127.0.0.1", 0, stop
    )
    configuration = client_module.Configuration(host=server.url, access_token=api.tokens["viewer"])
    try:
        with client_module.ApiClient(configuration) as api_client:
            errors = client_module.ImportErrorApi(api_client)
            listed = errors.get_import_errors(order_by=["-timestamp"])
            one = errors.get_import_error(listed.import_errors[0].import_error_id)
    finally:
        stop.set()
        server.thread.join(10)
        api.deployment.engine.dispose()

    assert listed.total_entries == 1
    assert one.filename == "dag_1.py"
    assert "broken on purpose" in one.stack_trace
