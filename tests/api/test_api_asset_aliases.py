"""Asset aliases: declared in DAG files (``AssetAlias``), recorded, and listed by the API;
the assets tasks attach events of through them, and the runs those events trigger (tasks
run in process here).
"""

from __future__ import annotations

import pytest
from tests.api.conftest import Api
from tests.api.test_api_assets import _step_until

from tradewind.sdk.asset import Asset, AssetAlias, AssetAll
from tradewind.sdk.dag import DAG
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.repos import asset_events as event_repo
from tradewind.storage.repos import assets as asset_repo

ALIASES = "/api/v2/assets/aliases"

EXPORTER = """
from tradewind import Asset
from tradewind.sdk.asset import AssetAlias

with DAG("exporter", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(
        task_id="export",
        python_callable=work("export"),
        outlets=[AssetAlias("daily-exports", group="exports"), Asset("s3://lake/log")],
    )
"""

ON_ALIAS = """
from tradewind.sdk.asset import AssetAlias

with DAG("on_alias", schedule=[AssetAlias("daily-exports", group="exports")],
         start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="load")
"""

#: An Airflow DAG file, through the compatibility layer.
AIRFLOW_STYLE = """
from airflow.datasets import Dataset, DatasetAlias
from airflow.sdk import AssetAlias

with DAG("airflow_style", schedule=DatasetAlias("legacy") | Dataset("s3://lake/log"),
         start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="t", inlets=[AssetAlias("inbound")])
"""


@pytest.fixture
def aliased(sql_api: Api) -> Api:
    sql_api.dags(EXPORTER, ON_ALIAS, AIRFLOW_STYLE)
    return sql_api


def _aliases(api: Api, **params: object) -> list[tuple[str, str]]:
    body = api.ok("GET", ALIASES, params=params, role="Viewer")
    return [(alias["name"], alias["group"]) for alias in body["asset_aliases"]]


def test_the_aliases_the_dags_mention_are_listed(aliased: Api) -> None:
    body = aliased.ok("GET", ALIASES, role="Viewer")
    assert body["total_entries"] == 3
    assert sorted((a["name"], a["group"]) for a in body["asset_aliases"]) == [
        ("daily-exports", "exports"),
        ("inbound", "asset"),
        ("legacy", "asset"),
    ]
    first = body["asset_aliases"][0]
    assert set(first) == {"id", "name", "group"}
    assert aliased.ok("GET", f"{ALIASES}/{first['id']}", role="Viewer") == first


def test_aliases_filter_order_and_page(aliased: Api) -> None:
    assert _aliases(aliased, name_pattern="EXPORT") == [("daily-exports", "exports")]
    assert [name for name, _ in _aliases(aliased, order_by="-name")] == [
        "legacy",
        "inbound",
        "daily-exports",
    ]
    assert [name for name, _ in _aliases(aliased, order_by="name", limit=1, offset=1)] == [
        "inbound"
    ]
    refused = aliased.get(ALIASES, params={"order_by": "group"})
    assert refused.status_code == 400
    assert "'group'" in refused.json()["detail"]


def test_an_unknown_alias_is_a_404(aliased: Api) -> None:
    response = aliased.get(f"{ALIASES}/999999")
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_the_references_of_each_alias_are_recorded(aliased: Api) -> None:
    with aliased.deployment.sessions() as session:
        rows, _ = asset_repo.list_alias_page(session=session)
        references = asset_repo.list_alias_references(
            session=session, alias_ids=[row.id for row in rows]
        )
        by_name = {
            row.name: sorted((r.dag_id, str(r.use), r.task_id) for r in references[row.id])
            for row in rows
        }
    assert by_name == {
        "daily-exports": [("exporter", "outlet", "export"), ("on_alias", "schedule", "")],
        "inbound": [("airflow_style", "inlet", "t")],
        "legacy": [("airflow_style", "schedule", "")],
    }


def test_an_alias_is_kept_with_its_id_when_no_dag_mentions_it(aliased: Api) -> None:
    before = {alias["name"]: alias["id"] for alias in aliased.ok("GET", ALIASES)["asset_aliases"]}
    (aliased.deployment.dags_folder / "dag_2.py").unlink()  # airflow_style
    aliased.deployment.parse()
    after = {alias["name"]: alias["id"] for alias in aliased.ok("GET", ALIASES)["asset_aliases"]}
    assert after == before


def test_an_alias_outlet_nothing_is_added_through_records_no_event_and_triggers_nothing(
    aliased: Api,
) -> None:
    aliased.run("exporter")
    with aliased.deployment.sessions() as session:
        events = event_repo.list_asset_events(session=session, uris=["s3://lake/log"])
    assert [event.asset_uri for event in events] == ["s3://lake/log"]
    for _ in range(5):
        aliased.deployment.scheduler.step()
    # airflow_style (alias | asset) runs on the asset's event; on_alias has nothing to run on.
    assert aliased.ok("GET", "/api/v2/dags/on_alias/dagRuns")["total_entries"] == 0
    runs = aliased.ok("GET", "/api/v2/dags/airflow_style/dagRuns")["dag_runs"]
    assert [run["run_type"] for run in runs] == ["asset_triggered"]


def test_assets_list_no_aliases_of_their_own(aliased: Api) -> None:
    assets = aliased.ok("GET", "/api/v2/assets")["assets"]
    assert [asset["uri"] for asset in assets] == ["s3://lake/log"]
    assert assets[0]["aliases"] == []


ATTACHING = """
from tradewind import Asset
from tradewind.sdk.asset import AssetAlias

with DAG("attaching", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    @task(outlets=[AssetAlias("daily-exports", group="exports")])
    def export(*, outlet_events):
        outlet_events[AssetAlias("daily-exports")].add(Asset("s3://lake/day-1"), extra={"n": 1})
    export()
"""


@pytest.fixture
def attaching(sql_api: Api) -> Api:
    sql_api.dags(ATTACHING, ON_ALIAS)
    return sql_api


def _on_alias_runs(api: Api) -> list[dict[str, object]]:
    runs: list[dict[str, object]] = api.ok("GET", "/api/v2/dags/on_alias/dagRuns")["dag_runs"]
    return runs


def test_an_asset_lists_the_aliases_it_was_attached_through(attaching: Api) -> None:
    attaching.run("attaching")
    assets = {
        a["uri"]: a
        for a in attaching.ok("GET", "/api/v2/assets", params={"only_active": False})["assets"]
    }
    assert [(a["name"], a["group"]) for a in assets["s3://lake/day-1"]["aliases"]] == [
        ("daily-exports", "exports")
    ]
    (event,) = attaching.ok(
        "GET", "/api/v2/assets/events", params={"asset_id": assets["s3://lake/day-1"]["id"]}
    )["asset_events"]
    assert (event["source_dag_id"], event["extra"]) == ("attaching", {"n": 1})


def test_a_posted_event_of_a_resolved_asset_triggers_the_alias_dag(attaching: Api) -> None:
    attaching.run("attaching")
    runs = _step_until(attaching, "a run on the alias", lambda: _on_alias_runs(attaching))
    assert [run["run_type"] for run in runs] == ["asset_triggered"]
    attaching.deployment.run_until_finished(
        "on_alias", str(_on_alias_runs(attaching)[0]["dag_run_id"])
    )
    with attaching.deployment.sessions() as session:
        (asset,) = asset_repo.list_assets_by_key(
            session=session, keys=[("s3://lake/day-1", "s3://lake/day-1")]
        ).values()

    attaching.ok("POST", "/api/v2/assets/events", json={"asset_id": asset.id, "extra": {"n": 2}})
    queued = attaching.ok("GET", "/api/v2/dags/on_alias/assets/queuedEvents")["queued_events"]
    assert [event["asset_id"] for event in queued] == [asset.id]
    _step_until(attaching, "a second run", lambda: len(_on_alias_runs(attaching)) == 2)


# -- the SDK -------------------------------------------------------------------------------


def test_an_alias_serializes_into_the_spec_next_to_assets() -> None:
    from datetime import datetime

    from tradewind.operators.empty import EmptyOperator

    with DAG(
        "d",
        schedule=AssetAlias("a") & Asset("s3://x"),
        start_date=datetime(2024, 1, 1),
    ) as dag:
        EmptyOperator(task_id="t", outlets=[Asset("s3://y"), AssetAlias("b", group="g")])
    spec = serialize_dag(dag)
    assert spec.timetable["condition"] == {
        "all": [
            {"alias": {"name": "a", "group": "asset"}},
            {"asset": {"name": "s3://x", "uri": "s3://x", "group": "asset"}},
        ]
    }
    assert spec.tasks["t"].outlets == (
        {"name": "s3://y", "uri": "s3://y", "group": "asset"},
        {"alias": {"name": "b", "group": "g"}},
    )
    assert spec.schedule_summary == "Asset"


def test_an_alias_needs_a_name() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        AssetAlias("")
    assert list(AssetAll(AssetAlias("a")).iter_assets()) == []
    assert AssetAlias("a") == AssetAlias("a")
