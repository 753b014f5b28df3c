"""``…/taskInstances/{task_id}/xcomEntries``: list, read (as stored, deserialized, as text),
create, update and delete XCom entries; who may do which."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import ETL, Api, make_api, settings_for, sqlite_deployment

from tradewind.contracts import serde
from tradewind.server.api_process import serve_api_in_thread
from tradewind.storage.repos import xcom as xcom_repo

TYPED = """
import datetime as dt


@task
def produce():
    return (1, dt.date(2024, 5, 1))


@task
def numbers():
    return [10, 20]


@task
def double(x):
    return x * 2


@task
def consume():
    pass


with DAG("typed", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    produce()
    double.expand(x=numbers())
    consume()
"""

ENTRIES = "/api/v2/dags/{dag}/dagRuns/{run}/taskInstances/{task}/xcomEntries"


def _entries(dag: str = "typed", run: str = "r1", task: str = "produce") -> str:
    return ENTRIES.format(dag=dag, run=run, task=task)


@pytest.fixture(scope="module")
def ran(module_sql_api: Api) -> Api:
    """ETL and TYPED, each with a finished run ``r1``."""
    module_sql_api.dags(ETL, TYPED)
    for dag_id in ("etl", "typed"):
        module_sql_api.run(dag_id, dag_run_id="r1")
    return module_sql_api


def _keys(body: dict[str, Any]) -> list[tuple[str, str, int, str]]:
    return [(e["dag_id"], e["task_id"], e["map_index"], e["key"]) for e in body["xcom_entries"]]


def test_a_task_instances_entries_are_listed(ran: Api) -> None:
    body = ran.ok("GET", _entries(), role="Viewer")

    assert body["total_entries"] == 1
    entry = body["xcom_entries"][0]
    assert entry["key"] == "return_value"
    assert (entry["run_id"], entry["dag_display_name"], entry["task_display_name"]) == (
        "r1",
        "typed",
        "produce",
    )
    assert entry["timestamp"] and entry["run_after"]
    assert "value" not in entry


def test_tildes_list_every_dag_run_and_task(ran: Api) -> None:
    everything = ran.ok("GET", _entries("~", "~", "~"), params={"limit": 100})
    doubled = ran.ok("GET", _entries("typed", "~", "double"))
    page = ran.ok("GET", _entries("~", "~", "~"), params={"limit": 2, "offset": 1})

    assert ("etl", "extract", -1, "return_value") in _keys(everything)
    assert _keys(doubled) == [
        ("typed", "double", 0, "return_value"),
        ("typed", "double", 1, "return_value"),
    ]
    assert page["total_entries"] == everything["total_entries"]
    assert _keys(page) == _keys(everything)[1:3]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"map_index": 1}, [("typed", "double", 1, "return_value")]),
        ({"map_index_filter": 0}, [("typed", "double", 0, "return_value")]),
        ({"map_index": 0, "map_index_filter": 1}, []),
        ({"task_id_pattern": "DOUB"}, [("typed", "double", 0, "return_value")]),
        ({"task_id_prefix_pattern": "doub|prod"}, [("typed", "double", 0, "return_value")]),
        ({"xcom_key": "other"}, []),
        ({"xcom_key_pattern": "~"}, [("typed", "double", 0, "return_value")]),
        ({"run_id_pattern": "nope"}, []),
        ({"dag_display_name_pattern": "typ"}, [("typed", "double", 0, "return_value")]),
        ({"run_after_gte": "2000-01-01T00:00:00Z"}, [("typed", "double", 0, "return_value")]),
        ({"run_after_lt": "2000-01-01T00:00:00Z"}, []),
        ({"logical_date_lt": "2000-01-01T00:00:00Z"}, []),
    ],
)
def test_entries_are_filtered(
    ran: Api, params: dict[str, Any], expected: list[tuple[str, str, int, str]]
) -> None:
    body = ran.ok("GET", _entries("typed", "r1", "~"), params={**params, "limit": 1})

    assert _keys(body) == expected


def test_an_entry_reads_as_stored_deserialized_or_as_text(ran: Api) -> None:
    path = _entries() + "/return_value"

    stored = ran.ok("GET", path, role="Viewer")
    plain = ran.ok("GET", path, params={"deserialize": True})
    text = ran.ok("GET", path, params={"deserialize": True, "stringify": True})
    raw_text = ran.ok("GET", path, params={"stringify": True})

    assert stored["value"] == {
        "__tw__": "tuple",
        "items": [1, {"__tw__": "date", "value": "2024-05-01"}],
    }
    assert plain["value"] == [1, "2024-05-01"]
    assert text["value"] == '[1, "2024-05-01"]'
    assert raw_text["value"].startswith('{"__tw__": "tuple"')
    assert plain["key"] == "return_value"


def test_a_mapped_instances_entry_is_read_with_its_map_index(ran: Api) -> None:
    path = _entries(task="double") + "/return_value"

    assert ran.ok("GET", path, params={"map_index": 1})["value"] == 40
    missing = ran.get(path)

    assert missing.status_code == 404
    assert "map index -1" in missing.json()["detail"]


def test_a_missing_entry_or_run_is_a_404(ran: Api) -> None:
    no_key = ran.get(_entries() + "/nope")
    no_run = ran.get(_entries(run="gone") + "/return_value")
    no_run_list = ran.get(_entries(run="gone"))
    no_dag = ran.get(_entries(dag="missing"))

    assert no_key.status_code == 404 and "key 'nope'" in no_key.json()["detail"]
    assert no_run.status_code == no_run_list.status_code == no_dag.status_code == 404
    assert "'gone'" in no_run.json()["detail"]


def test_entries_are_created_changed_and_deleted(sql_api: Api) -> None:
    sql_api.dags(TYPED)
    sql_api.run("typed", dag_run_id="r1")
    path = _entries(task="consume")
    value = {"from": "the API", "n": [1, 2.5, None]}

    created = sql_api.ok(
        "POST", path, 201, json={"key": "note", "value": value, "map_index": -1}, role="User"
    )
    taken = sql_api.post(path, json={"key": "note", "value": 1}, role="User")
    changed = sql_api.ok("PATCH", f"{path}/note", json={"value": "new"}, role="User")
    read = sql_api.ok("GET", f"{path}/note")
    sql_api.ok("DELETE", f"{path}/note", 204, role="User")
    gone = sql_api.get(f"{path}/note")

    assert created["value"] == value
    assert created["task_id"] == "consume"
    assert taken.status_code == 409
    assert "PATCH it" in taken.json()["detail"]
    assert changed["value"] == read["value"] == "new"
    assert gone.status_code == 404


def test_a_value_written_through_the_api_is_what_tasks_pull(api: Api) -> None:
    api.dags(TYPED)
    api.run("typed", dag_run_id="r1")
    value = {"__tw__": "not a tag", "when": "2024-05-01"}

    api.ok("POST", _entries(task="consume"), 201, json={"key": "k", "value": value}, role="User")

    with api.deployment.sessions() as session:
        entry = xcom_repo.XComEntryKey("typed", "r1", "consume", -1, "k")
        row = xcom_repo.get_xcom_entry(session=session, entry=entry)
    assert row is not None
    assert serde.deserialize(row[0].value) == value


@pytest.mark.parametrize(
    ("method", "path", "body", "detail"),
    [
        ("POST", _entries(task="nope"), {"key": "k", "value": 1}, "'nope' not found"),
        ("POST", _entries(run="gone"), {"key": "k", "value": 1}, "'gone'"),
        ("PATCH", _entries() + "/nope", {"value": 1}, "key 'nope'"),
        ("DELETE", _entries() + "/nope", None, "key 'nope'"),
    ],
)
def test_writing_what_is_not_there_is_a_404(
    ran: Api, method: str, path: str, body: Any, detail: str
) -> None:
    kwargs = {} if body is None else {"json": body}
    response = ran.request(method, path, **kwargs)

    assert response.status_code == 404, response.text
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{"value": 1}, {"key": "", "value": 1}, {"key": "k"}, {"key": "k", "value": 1, "x": 2}],
)
def test_a_bad_body_is_a_422_naming_the_field(ran: Api, body: dict[str, Any]) -> None:
    response = ran.post(_entries(), json=body)

    assert response.status_code == 422
    assert "body" in response.json()["title"]


DONE = "/api/v2/dags/etl/dagRuns/done/taskInstances"
#: name → (method, path, body, status when allowed, least role); "{role}" is the caller's.
OPERATIONS: dict[str, tuple[str, str, Any, int, str]] = {
    "list": ("GET", f"{DONE}/extract/xcomEntries", None, 200, "Viewer"),
    "read": ("GET", f"{DONE}/extract/xcomEntries/return_value", None, 200, "Viewer"),
    "create": ("POST", f"{DONE}/load/xcomEntries", {"key": "new_{role}", "value": 1}, 201, "User"),
    "update": ("PATCH", f"{DONE}/extract/xcomEntries/return_value", {"value": 2}, 200, "User"),
    "delete": ("DELETE", DONE + "/load/xcomEntries/old_{role}", None, 204, "User"),
}
RANKS = {"Viewer": 0, "User": 1, "Op": 2, "Admin": 3}


@pytest.mark.parametrize("role", list(RANKS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_role_matrix(module_api: Api, name: str, role: str) -> None:
    method, path, body, status, least_role = OPERATIONS[name]
    module_api.post(f"{DONE}/load/xcomEntries", json={"key": f"old_{role}", "value": 0})
    kwargs = (
        {}
        if body is None
        else {
            "json": {
                k: v.replace("{role}", role) if isinstance(v, str) else v for k, v in body.items()
            }
        }
    )

    response = module_api.request(method, path.replace("{role}", role), role=role, **kwargs)

    if RANKS[role] >= RANKS[least_role]:
        assert response.status_code == status, response.text
    else:
        assert response.status_code == 403, response.text
        assert f"role {role}" in response.json()["detail"]


ACL = """
with DAG(
    "secret",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read"}, "Viewer": {"can_read"}},
) as dag:
    PythonOperator(task_id="x", python_callable=lambda: 1)
"""


def test_a_dags_access_control_governs_its_entries(tmp_path: Path) -> None:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ETL, ACL)
    api.run("secret", dag_run_id="r1")
    api.run("etl", dag_run_id="r1")
    path = _entries("secret", "r1", "x")

    listed = api.ok("GET", _entries("~", "~", "~"), role="Op")
    hidden = api.get(path + "/return_value", role="Op")
    read = api.get(path + "/return_value", role="Viewer")
    no_edit = api.patch(path + "/return_value", json={"value": 2}, role="User")

    assert {entry["dag_id"] for entry in listed["xcom_entries"]} == {"etl"}
    assert hidden.status_code == 403
    assert read.status_code == 200
    assert no_edit.status_code == 403
    assert "access_control" in no_edit.json()["detail"]
    api.deployment.engine.dispose()


@pytest.fixture
def served_api(tmp_path: Path) -> Iterator[tuple[Api, str]]:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(TYPED)
    api.run("typed", dag_run_id="r1")
    stop = threading.Event()
    server = serve_api_in_thread(
        settings_for(tmp_path), api.deployment.sessions, "127.0.0.1", 0, stop
    )
    try:
        yield api, server.url
    finally:
        stop.set()
        server.thread.join(10)
        api.deployment.engine.dispose()


def test_airflows_client_lists_reads_and_writes_entries(served_api: tuple[Api, str]) -> None:
    client_module = pytest.importorskip("airflow_client.client")
    api, url = served_api
    configuration = client_module.Configuration(host=url, access_token=api.tokens["user"])

    with client_module.ApiClient(configuration) as api_client:
        xcom = client_module.XComApi(api_client)
        entries = xcom.get_xcom_entries("typed", "r1", "~")
        native = xcom.get_xcom_entry("typed", "produce", "r1", "return_value", deserialize=True)
        text = xcom.get_xcom_entry("typed", "produce", "r1", "return_value", stringify=True)
        created = xcom.create_xcom_entry(
            "typed", "consume", "r1", client_module.XComCreateBody(key="k", value={"a": 1})
        )
        updated = xcom.update_xcom_entry(
            "typed", "consume", "r1", "k", client_module.XComUpdateBody(value=[1, 2])
        )

    assert entries.total_entries == 4  # produce, numbers and the two of double
    assert native.actual_instance.value == [1, "2024-05-01"]
    assert isinstance(text.actual_instance.value, str)
    assert created.value == {"a": 1}
    assert updated.value == [1, 2]
