"""``/api/v2/assets``: assets from the DAGs, their events, events from outside, materializing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import Api, make_api, settings_for, sqlite_deployment
from tests.server.deployment import Deployment, parse_here
from tests.server.postgres_schema import empty_tables

from tradewind.contracts.runs import DagRunType
from tradewind.server.api_process import serve_api_in_thread
from tradewind.storage.engine import session_factory
from tradewind.storage.repos import dag_runs as run_repo

PRODUCER = """
from tradewind import Asset

with DAG("producer", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(
        task_id="write",
        python_callable=work("write"),
        outlets=[Asset(name="raw", uri="s3://lake/raw")],
    )
"""

CONSUMER = """
from tradewind import Asset

with DAG(
    "consumer",
    schedule=[Asset(name="raw", uri="s3://lake/raw")],
    start_date=datetime(2024, 1, 1),
) as dag:
    PythonOperator(
        task_id="read",
        python_callable=work("read"),
        inlets=[Asset(name="raw", uri="s3://lake/raw")],
    )
"""

BOTH = """
from tradewind import Asset

with DAG(
    "needs_both",
    schedule=Asset(name="raw", uri="s3://lake/raw") & Asset("s3://lake/other"),
    start_date=datetime(2024, 1, 1),
) as dag:
    EmptyOperator(task_id="join")
"""

SECOND_PRODUCER = """
from tradewind import Asset

with DAG("producer_too", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="write_too", outlets=[Asset(name="raw", uri="s3://lake/raw")])
"""

GUARDED = """
from tradewind import Asset

with DAG(
    "guarded",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    access_control={"User": {"can_read"}},
) as dag:
    EmptyOperator(task_id="make", outlets=[Asset("s3://lake/guarded")])
"""


def _ids(api: Api) -> dict[str, int]:
    body = api.ok("GET", "/api/v2/assets", params={"only_active": False})
    return {asset["uri"]: asset["id"] for asset in body["assets"]}


def _asset_runs(api: Api, dag_id: str) -> list[Any]:
    with api.deployment.sessions() as session:
        runs = run_repo.list_dag_runs(session=session, dag_id=dag_id)
    return [run for run in runs if run.run_type is DagRunType.ASSET_TRIGGERED]


def _step_until(api: Api, what: str, check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"still no {what}"
        if api.deployment.scheduler.step() == 0:
            time.sleep(0.005)
    return found


@pytest.fixture
def lake(api: Api) -> Api:
    """A fresh SQLite deployment with the producer, the consumer and needs_both."""
    api.dags(PRODUCER, CONSUMER, BOTH)
    return api


@pytest.fixture
def sql_lake(sql_api: Api) -> Api:
    """The same on SQLite, then on PostgreSQL."""
    sql_api.dags(PRODUCER, CONSUMER, BOTH)
    return sql_api


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def read_lake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """One deployment per module and backend, for tests that change nothing."""
    home = tmp_path_factory.mktemp("lake")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        if request.param == "sqlite":
            deployment = sqlite_deployment(home)
        else:
            engine = request.getfixturevalue("api_postgres_engine")
            empty_tables(engine)
            deployment = Deployment(engine, session_factory(engine), home)
        api = make_api(deployment)
        api.dags(PRODUCER, CONSUMER, BOTH)
        with api.client:
            yield api
    if request.param == "sqlite":
        deployment.engine.dispose()


@pytest.fixture(scope="module")
def module_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One SQLite deployment per module, for the role matrix (what it adds harms no test)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        api = make_api(sqlite_deployment(tmp_path_factory.mktemp("roles")))
        api.dags(PRODUCER, CONSUMER, BOTH)
        with api.client:
            yield api
    api.deployment.engine.dispose()


def test_assets_list_what_the_dags_mention_and_how(read_lake: Api) -> None:
    body = read_lake.ok("GET", "/api/v2/assets", role="Viewer")
    assert body["total_entries"] == 2
    raw, other = body["assets"]
    assert (raw["name"], raw["uri"], raw["group"], raw["extra"]) == (
        "raw",
        "s3://lake/raw",
        "asset",
        {},
    )
    assert sorted(ref["dag_id"] for ref in raw["scheduled_dags"]) == ["consumer", "needs_both"]
    assert [(t["dag_id"], t["task_id"]) for t in raw["producing_tasks"]] == [("producer", "write")]
    assert [(t["dag_id"], t["task_id"]) for t in raw["consuming_tasks"]] == [("consumer", "read")]
    assert (raw["aliases"], raw["watchers"], raw["last_asset_event"]) == ([], [], None)
    assert other["uri"] == "s3://lake/other"
    assert read_lake.ok("GET", f"/api/v2/assets/{raw['id']}", role="Viewer") == raw


def test_assets_filter_order_and_page(read_lake: Api) -> None:
    def uris(**params: Any) -> list[str]:
        body = read_lake.ok("GET", "/api/v2/assets", params=params)
        return [asset["uri"] for asset in body["assets"]]

    assert uris(name_pattern="RA") == ["s3://lake/raw"]
    assert uris(uri_pattern="oth") == ["s3://lake/other"]
    assert uris(dag_ids=["producer"]) == ["s3://lake/raw"]
    assert uris(dag_ids=["needs_both", "nobody"]) == ["s3://lake/raw", "s3://lake/other"]
    assert uris(order_by="-uri") == ["s3://lake/raw", "s3://lake/other"]
    assert uris(order_by="-uri", limit=1, offset=1) == ["s3://lake/other"]
    refused = read_lake.get("/api/v2/assets", params={"order_by": "extra"})
    assert refused.status_code == 400
    assert "'extra'" in refused.json()["detail"]


def test_an_asset_no_active_dag_mentions_is_inactive(lake: Api) -> None:
    (lake.deployment.dags_folder / "dag_2.py").unlink()  # needs_both: the only user of other
    lake.deployment.parse()
    assert [a["uri"] for a in lake.ok("GET", "/api/v2/assets")["assets"]] == ["s3://lake/raw"]
    every = lake.ok("GET", "/api/v2/assets", params={"only_active": False})
    assert every["total_entries"] == 2


def test_an_unknown_asset_is_a_404_and_a_bad_id_a_422(read_lake: Api) -> None:
    missing = read_lake.get("/api/v2/assets/999999")
    assert missing.status_code == 404
    assert "999999" in missing.json()["detail"]
    assert read_lake.get("/api/v2/assets/raw").status_code == 422
    assert read_lake.get(f"/api/v2/assets/{2**40}").status_code == 422


def test_a_posted_event_triggers_the_dags_scheduled_on_the_asset(sql_lake: Api) -> None:
    lake = sql_lake
    raw = _ids(lake)["s3://lake/raw"]
    event = lake.ok(
        "POST",
        "/api/v2/assets/events",
        role="User",
        json={"asset_id": raw, "extra": {"rows": 10}},
    )
    assert (event["asset_id"], event["uri"], event["extra"]) == (raw, "s3://lake/raw", {"rows": 10})
    assert (event["source_dag_id"], event["source_map_index"]) == (None, -1)
    runs = _step_until(lake, "consumer run", lambda: _asset_runs(lake, "consumer"))
    assert len(runs) == 1
    assert lake.deployment.run_until_finished("consumer", runs[0].run_id) == "success"
    assert lake.deployment.executed() == ["read"]
    # needs_both waits for s3://lake/other too.
    assert _asset_runs(lake, "needs_both") == []
    asset = lake.ok("GET", f"/api/v2/assets/{raw}")
    assert asset["last_asset_event"]["id"] == event["id"]

    # The event names the run it created, and the run the events it consumed.
    (listed,) = lake.ok("GET", "/api/v2/assets/events", role="Viewer")["asset_events"]
    (created,) = listed["created_dagruns"]
    assert (created["dag_id"], created["run_id"], created["state"]) == (
        "consumer",
        runs[0].run_id,
        "success",
    )
    upstream = lake.ok(
        "GET", f"/api/v2/dags/consumer/dagRuns/{runs[0].run_id}/upstreamAssetEvents", role="Viewer"
    )
    assert upstream["total_entries"] == 1
    assert upstream["asset_events"][0]["id"] == event["id"]
    missing = lake.get("/api/v2/dags/consumer/dagRuns/nothing/upstreamAssetEvents")
    assert missing.status_code == 404


def test_a_producing_tasks_event_is_listed_with_its_source(lake: Api) -> None:
    run = lake.run("producer")
    body = lake.ok("GET", "/api/v2/assets/events", role="Viewer")
    assert body["total_entries"] == 1
    (event,) = body["asset_events"]
    assert (event["source_dag_id"], event["source_task_id"], event["source_run_id"]) == (
        "producer",
        "write",
        run["dag_run_id"],
    )
    assert event["asset_id"] == _ids(lake)["s3://lake/raw"]
    # The consumer's run may or may not exist yet: the scheduler step that finished the
    # producer's run may have stopped before the one that starts asset-triggered runs.
    assert {created["dag_id"] for created in event["created_dagruns"]} <= {"consumer"}
    # A run not triggered by assets consumed none.
    upstream = lake.ok(
        "GET", f"/api/v2/dags/producer/dagRuns/{run['dag_run_id']}/upstreamAssetEvents"
    )
    assert upstream == {"asset_events": [], "total_entries": 0}


def test_asset_events_filter_by_source_asset_and_time(sql_lake: Api) -> None:
    lake = sql_lake
    ids = _ids(lake)
    lake.run("producer")
    posted = lake.ok("POST", "/api/v2/assets/events", json={"asset_id": ids["s3://lake/other"]})

    def events(**params: Any) -> list[int]:
        body = lake.ok("GET", "/api/v2/assets/events", params=params)
        return [event["id"] for event in body["asset_events"]]

    every = events()
    assert len(every) == 2 and every[-1] == posted["id"]
    assert events(asset_id=ids["s3://lake/other"]) == [posted["id"]]
    assert events(source_dag_id="producer", source_task_id="write") == every[:1]
    assert events(source_map_index=-1, order_by="-timestamp") == every[::-1]
    assert events(timestamp_gte=posted["timestamp"]) == [posted["id"]]
    assert events(timestamp_lt=posted["timestamp"]) == every[:1]
    assert events(name_pattern="other") == [posted["id"]]
    assert lake.get("/api/v2/assets/events", params={"timestamp_gt": "2024-01-01"}).status_code == (
        422
    )


def test_posting_an_event_of_an_unknown_asset_is_a_404(lake: Api) -> None:
    response = lake.post("/api/v2/assets/events", json={"asset_id": 424242})
    assert response.status_code == 404
    assert "424242" in response.json()["detail"]
    assert lake.post("/api/v2/assets/events", json={"uri": "s3://x"}).status_code == 422


def test_queued_events_show_what_a_dag_waits_with(lake: Api) -> None:
    ids = _ids(lake)
    raw, other = ids["s3://lake/raw"], ids["s3://lake/other"]
    assert lake.get("/api/v2/dags/needs_both/assets/queuedEvents").status_code == 404
    posted = lake.ok("POST", "/api/v2/assets/events", json={"asset_id": raw})
    queued = lake.ok("GET", "/api/v2/dags/needs_both/assets/queuedEvents", role="Viewer")
    assert queued["total_entries"] == 1
    assert queued["queued_events"][0] == {
        "dag_id": "needs_both",
        "asset_id": raw,
        "created_at": posted["timestamp"],
        "dag_display_name": "needs_both",
    }
    one = lake.ok("GET", f"/api/v2/dags/needs_both/assets/{raw}/queuedEvents")
    assert one == queued["queued_events"][0]
    assert lake.get(f"/api/v2/dags/needs_both/assets/{other}/queuedEvents").status_code == 404
    by_asset = lake.ok("GET", f"/api/v2/assets/{raw}/queuedEvents")
    assert {event["dag_id"] for event in by_asset["queued_events"]} == {"consumer", "needs_both"}


def test_materializing_an_asset_triggers_its_producer(lake: Api) -> None:
    raw = _ids(lake)["s3://lake/raw"]
    run = lake.ok(
        "POST",
        f"/api/v2/assets/{raw}/materialize",
        role="User",
        json={"dag_run_id": "made", "note": "fresh data"},
    )
    assert (run["dag_id"], run["dag_run_id"], run["run_type"], run["note"]) == (
        "producer",
        "made",
        "manual",
        "fresh data",
    )
    assert lake.deployment.run_until_finished("producer", "made") == "success"
    without_body = lake.ok("POST", f"/api/v2/assets/{raw}/materialize")
    assert without_body["dag_id"] == "producer"


def test_materializing_needs_exactly_one_producer(lake: Api) -> None:
    ids = _ids(lake)
    nobody = lake.post(f"/api/v2/assets/{ids['s3://lake/other']}/materialize")
    assert nobody.status_code == 404
    assert "No DAG materializes" in nobody.json()["detail"]
    lake.dags(PRODUCER, CONSUMER, BOTH, SECOND_PRODUCER)
    two = lake.post(f"/api/v2/assets/{ids['s3://lake/raw']}/materialize")
    assert two.status_code == 409
    assert "producer, producer_too" in two.json()["detail"]


# -- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [("Viewer", 403), ("User", 200), ("Op", 200), ("Admin", 200)]
)
def test_posting_an_event_needs_the_user_role(module_lake: Api, role: str, status: int) -> None:
    raw = _ids(module_lake)["s3://lake/raw"]
    response = module_lake.post("/api/v2/assets/events", role=role, json={"asset_id": raw})
    assert response.status_code == status, response.text
    materialize = module_lake.post(f"/api/v2/assets/{raw}/materialize", role=role)
    assert materialize.status_code == status, materialize.text
    for path in ("/api/v2/assets", f"/api/v2/assets/{raw}", "/api/v2/assets/events"):
        assert module_lake.get(path, role=role).status_code == 200


def test_reading_assets_needs_a_login(read_lake: Api) -> None:
    assert read_lake.get("/api/v2/assets", role=None).status_code == 401
    assert (
        read_lake.post("/api/v2/assets/events", role=None, json={"asset_id": 1}).status_code == 401
    )


def test_a_user_sees_every_asset_but_materializes_only_dags_it_may_trigger(api: Api) -> None:
    api.dags(GUARDED)
    guarded = _ids(api)["s3://lake/guarded"]
    assert api.ok("GET", f"/api/v2/assets/{guarded}", role="User")["uri"] == "s3://lake/guarded"
    refused = api.post(f"/api/v2/assets/{guarded}/materialize", role="User")
    assert refused.status_code == 403
    assert "access_control" in refused.json()["detail"]
    assert api.post(f"/api/v2/assets/{guarded}/materialize", role="Op").status_code == 403
    assert api.ok("POST", f"/api/v2/assets/{guarded}/materialize")["dag_id"] == "guarded"


# -- Airflow's Python client ---------------------------------------------------------------------


@pytest.fixture
def served_lake(tmp_path: Path) -> Iterator[tuple[Api, str]]:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(PRODUCER, CONSUMER, BOTH)
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


def test_airflows_python_client_reads_and_posts_assets(served_lake: tuple[Api, str]) -> None:
    client = pytest.importorskip("airflow_client.client")
    api, url = served_lake
    configuration = client.Configuration(host=url, access_token=api.tokens["user"])
    with client.ApiClient(configuration) as api_client:
        assets = client.AssetApi(api_client)
        listed = assets.get_assets(limit=10, order_by=["name"], only_active=True)
        assert [asset.uri for asset in listed.assets] == ["s3://lake/raw", "s3://lake/other"]
        raw = assets.get_asset(next(a.id for a in listed.assets if a.name == "raw"))
        assert raw.producing_tasks[0].task_id == "write"
        event = assets.create_asset_event(
            client.CreateAssetEventsBody(asset_id=raw.id, extra={"from": "client"})
        )
        assert (event.asset_id, event.extra) == (raw.id, {"from": "client"})
        events = assets.get_asset_events(asset_id=raw.id, order_by=["-timestamp"])
        assert [e.id for e in events.asset_events] == [event.id]
        run = assets.materialize_asset(raw.id)
        assert (run.dag_id, run.run_type) == ("producer", "manual")
        queued = assets.get_dag_asset_queued_events("needs_both")
        assert [q.asset_id for q in queued.queued_events] == [raw.id]
