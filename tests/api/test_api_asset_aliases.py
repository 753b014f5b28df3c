"""Asset aliases: declared in DAG files (``AssetAlias``), recorded, and listed by the API.

Tasks cannot attach asset events to an alias yet, so an alias stands for no asset: a task's
alias outlet records no event, and a schedule on an alias alone never triggers a run.
"""

from __future__ import annotations

import pytest
from tests.api.conftest import Api

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


def test_an_alias_outlet_records_no_event_and_the_alias_schedule_does_not_trigger(
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
