"""Asset aliases drive scheduling: a task attaches events through an alias it declares as an
outlet, and the DAGs scheduled on the alias run (through the real scheduler and local
executor, on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.server.scheduler_harness import SchedulerHarness, module_schedulers

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.server.asset_triggers import record_asset_event
from tradewind.storage.repos import asset_aliases as alias_repo
from tradewind.storage.rows import AssetEventRow, AssetRow

HEADER = """
from datetime import datetime
from tradewind import DAG, Asset, AssetAlias, Metadata, task

START = datetime(2024, 1, 1)


def summary(events):
    return {
        uri: [
            {
                "extra": event["extra"],
                "aliases": [alias["name"] for alias in event["source_aliases"]],
                "source_dag_id": event["source_dag_id"],
            }
            for event in found
        ]
        for uri, found in events.items()
    }
"""

DAGS = {
    "exports.py": """
with DAG("alias_producer", schedule=None, start_date=START):
    @task(outlets=[AssetAlias("exports")])
    def export(*, outlet_events):
        outlet_events[AssetAlias("exports")].add(Asset("s3://lake/export-1"), extra={"rows": 3})
        return "exported"
    export()

with DAG("on_alias", schedule=AssetAlias("exports"), start_date=START):
    @task
    def consume(*, triggering_asset_events):
        return summary(triggering_asset_events)
    consume()


def record_events(context):
    import json, pathlib
    events = summary(context["triggering_asset_events"])
    (pathlib.Path(__file__).parent / "called_back.json").write_text(json.dumps(events))

with DAG("on_alias_called_back", schedule=AssetAlias("exports"), start_date=START,
         on_success_callback=record_events):
    @task
    def nothing():
        return None
    nothing()
""",
    "late.py": """
with DAG("late_producer", schedule=None, start_date=START):
    @task(outlets=[AssetAlias("late")])
    def export():
        yield Metadata(Asset("s3://lake/late"), {"via": "alias"}, alias=AssetAlias("late"))
        return "yielded"
    export()

with DAG("plain_late", schedule=None, start_date=START):
    @task(outlets=[Asset("s3://lake/late")])
    def write():
        return "plain"
    write()

with DAG("on_late", schedule=[AssetAlias("late")], start_date=START):
    @task
    def consume(*, triggering_asset_events):
        return summary(triggering_asset_events)
    consume()
""",
    "declared.py": """
with DAG("declared", schedule=None, start_date=START):
    @task(outlets=[Asset("s3://lake/declared")])
    def set_extra(*, outlet_events):
        outlet_events[Asset("s3://lake/declared")].extra = {"rows": 7}

    @task(outlets=[Asset(name="report", uri="s3://lake/report")])
    def set_item(*, outlet_events):
        outlet_events.for_asset(name="report").extra["pages"] = 2

    @task(outlets=[Asset("s3://lake/plain")])
    def no_extra():
        return "plain"

    set_extra()
    set_item()
    no_extra()

with DAG("undeclared_alias", schedule=None, start_date=START):
    @task(outlets=[Asset("s3://lake/bad")])
    def bad(*, outlet_events):
        outlet_events[AssetAlias("exports")].add(Asset("s3://lake/sneaky"))
    bad()
""",
    "mixes.py": """
with DAG("mix_producer", schedule=None, start_date=START):
    @task(outlets=[AssetAlias("mix")])
    def export(*, outlet_events):
        outlet_events["mix"].add("s3://lake/mixed")
    export()

with DAG("gate_producer", schedule=None, start_date=START):
    @task(outlets=[Asset("s3://lake/gate")])
    def open_gate():
        return "open"
    open_gate()

with DAG("alias_and_asset", schedule=AssetAlias("mix") & Asset("s3://lake/gate"),
         start_date=START):
    @task
    def consume(*, triggering_asset_events):
        return sorted(triggering_asset_events)
    consume()

with DAG("alias_or_asset", schedule=AssetAlias("mix") | Asset("s3://lake/gate"),
         start_date=START):
    @task
    def consume(*, triggering_asset_events):
        return sorted(triggering_asset_events)
    consume()
""",
}

AIRFLOW_DAGS = {
    "airflow3.py": """
from datetime import datetime
from airflow.sdk import DAG, Asset, AssetAlias, Metadata, task

with DAG("af3_producer", schedule=None, start_date=datetime(2024, 1, 1)):
    @task(outlets=[AssetAlias("af3")])
    def export(*, outlet_events):
        outlet_events[AssetAlias("af3")].add(Asset("s3://lake/af3"), extra={"via": "context"})

    @task(outlets=[AssetAlias("af3")])
    def yielding():
        yield Metadata(Asset("s3://lake/af3-yield"), {"via": "yield"}, alias=AssetAlias("af3"))

    export() >> yielding()

with DAG("af3_consumer", schedule=[AssetAlias("af3")], start_date=datetime(2024, 1, 1)):
    @task
    def consume(*, triggering_asset_events):
        # Airflow 3's ways: by alias or by asset, fields as attributes.
        first = triggering_asset_events[AssetAlias("af3")][0]
        by_asset = triggering_asset_events[Asset(first.asset.uri)]
        return [first.source_dag_run.dag_id, first.extra, by_asset[0].id == first.id]
    consume()
""",
    "airflow2.py": """
from datetime import datetime
from airflow import DAG
from airflow.datasets import Dataset, DatasetAlias
from airflow.datasets.metadata import Metadata
from airflow.decorators import task
from airflow.operators.bash import BashOperator

with DAG("af2_producer", schedule=None, start_date=datetime(2024, 1, 1)):
    @task(outlets=[DatasetAlias("af2")])
    def export(*, outlet_events=None):
        outlet_events[DatasetAlias("af2")].add(Dataset("s3://lake/af2"), extra={"v": 2})

    @task(outlets=[DatasetAlias("af2")])
    def yielding():
        yield Metadata(Dataset("s3://lake/af2-yield"), {"v": "y"}, alias="af2")

    export() >> yielding()

with DAG("af2_consumer", schedule=[DatasetAlias("af2")], start_date=datetime(2024, 1, 1)):
    @task
    def consume(triggering_dataset_events=None):
        event = list(triggering_dataset_events.values())[0][0]
        return [event.source_dag_run.dag_id, event.source_dag_run.state]
    # The template Airflow 2's data-aware scheduling guide shows.
    BashOperator(
        task_id="echo_source",
        bash_command="echo {{ (triggering_dataset_events.values() | first | first)"
        ".source_dag_run.dag_id }}",
    )
    consume()
""",
}


def _build(home: Path, database_url: str) -> SchedulerHarness:
    harness = SchedulerHarness(home, database_url=database_url)
    harness.write_dags({name: HEADER + source for name, source in DAGS.items()})
    harness.write_dags(AIRFLOW_DAGS)
    return harness


sqlite_scheduler, postgres_scheduler, scheduler = module_schedulers(_build, "aliases")


def _run(harness: SchedulerHarness, dag_id: str) -> DagRunState:
    run = harness.wait(dag_id, harness.trigger(dag_id))
    return run.state


def _next_run(harness: SchedulerHarness, dag_id: str, before: int) -> Any:
    """The DAG's run after its first ``before`` ones, once it has finished."""
    runs = harness.wait_until(
        f"run {before + 1} of {dag_id}", lambda: harness.runs(dag_id)[before:] or None
    )
    assert runs[0].run_type is DagRunType.ASSET_TRIGGERED
    return harness.wait(dag_id, runs[0].run_id)


def _events(harness: SchedulerHarness, uri: str) -> list[tuple[dict[str, Any], list[str]]]:
    """Each event of the asset: its extra and the aliases it was added through."""
    with harness.sessions() as session:
        rows = list(
            session.scalars(
                select(AssetEventRow)
                .where(AssetEventRow.asset_uri == uri)
                .order_by(AssetEventRow.id)
            )
        )
        names = alias_repo.list_event_alias_names(
            session=session, event_ids=[row.id for row in rows]
        )
        return [(dict(row.extra), names.get(row.id, [])) for row in rows]


def test_an_event_added_through_an_alias_triggers_the_dag_scheduled_on_it(
    scheduler: SchedulerHarness,
) -> None:
    before = len(scheduler.runs("on_alias"))
    assert _run(scheduler, "alias_producer") is DagRunState.SUCCESS

    consumer = _next_run(scheduler, "on_alias", before)

    assert consumer.state is DagRunState.SUCCESS
    assert scheduler.xcom("on_alias", consumer.run_id, "consume") == {
        "s3://lake/export-1": [
            {"extra": {"rows": 3}, "aliases": ["exports"], "source_dag_id": "alias_producer"}
        ]
    }
    # The DAG's own callbacks see the events too.
    called_back = scheduler.dags_folder / "called_back.json"
    scheduler.wait_until("the DAG callback", called_back.exists, timeout=30)
    assert json.loads(called_back.read_text()) == {
        "s3://lake/export-1": [
            {"extra": {"rows": 3}, "aliases": ["exports"], "source_dag_id": "alias_producer"}
        ]
    }
    # The asset no DAG names was recorded, and the alias resolved to it.
    assert (({"rows": 3}, ["exports"])) in _events(scheduler, "s3://lake/export-1")
    with scheduler.sessions() as session:
        assert session.scalar(select(AssetRow.id).where(AssetRow.uri == "s3://lake/export-1"))
        resolved = alias_repo.list_alias_uris(session=session, names=["exports"])
    assert resolved == {"exports": {"s3://lake/export-1"}}


def test_later_events_of_a_resolved_asset_trigger_the_alias_dag_however_made(
    scheduler: SchedulerHarness,
) -> None:
    before = len(scheduler.runs("on_late"))
    _run(scheduler, "late_producer")
    first = _next_run(scheduler, "on_late", before)
    assert scheduler.xcom("on_late", first.run_id, "consume") == {
        "s3://lake/late": [
            {"extra": {"via": "alias"}, "aliases": ["late"], "source_dag_id": "late_producer"}
        ]
    }

    _run(scheduler, "plain_late")  # names the asset itself, not the alias
    second = _next_run(scheduler, "on_late", before + 1)
    assert scheduler.xcom("on_late", second.run_id, "consume") == {
        "s3://lake/late": [{"extra": {}, "aliases": [], "source_dag_id": "plain_late"}]
    }

    with scheduler.sessions() as session:  # what POST /api/v2/assets/events records
        record_asset_event(
            session,
            name="s3://lake/late",
            uri="s3://lake/late",
            group="asset",
            extra={"from": "outside"},
            now=datetime.now(UTC),
        )
        session.commit()
    third = _next_run(scheduler, "on_late", before + 2)
    assert scheduler.xcom("on_late", third.run_id, "consume") == {
        "s3://lake/late": [{"extra": {"from": "outside"}, "aliases": [], "source_dag_id": None}]
    }


def test_the_extra_a_task_sets_on_a_declared_outlet_is_recorded(
    scheduler: SchedulerHarness,
) -> None:
    assert _run(scheduler, "declared") is DagRunState.SUCCESS

    assert _events(scheduler, "s3://lake/declared")[-1] == ({"rows": 7}, [])
    assert _events(scheduler, "s3://lake/report")[-1] == ({"pages": 2}, [])
    assert _events(scheduler, "s3://lake/plain")[-1] == ({}, [])


def test_adding_through_an_alias_the_task_does_not_declare_fails_it(
    scheduler: SchedulerHarness,
) -> None:
    run_id = scheduler.trigger("undeclared_alias")
    assert scheduler.wait("undeclared_alias", run_id).state is DagRunState.FAILED

    (try_,) = scheduler.tries("undeclared_alias", run_id, "bad")
    assert try_.state is S.FAILED
    assert "OutletEventError" in (try_.error or "")
    assert "'bad'" in (try_.error or "") and "'exports'" in (try_.error or "")
    assert "AssetAlias('exports') to the task's outlets" in (try_.error or "")
    assert _events(scheduler, "s3://lake/sneaky") == []
    assert _events(scheduler, "s3://lake/bad") == []


def test_alias_and_asset_waits_for_both_and_alias_or_asset_for_either(
    scheduler: SchedulerHarness,
) -> None:
    both, either = len(scheduler.runs("alias_and_asset")), len(scheduler.runs("alias_or_asset"))

    _run(scheduler, "mix_producer")
    first = _next_run(scheduler, "alias_or_asset", either)
    assert scheduler.xcom("alias_or_asset", first.run_id, "consume") == ["s3://lake/mixed"]
    assert len(scheduler.runs("alias_and_asset")) == both

    _run(scheduler, "gate_producer")
    joined = _next_run(scheduler, "alias_and_asset", both)
    assert scheduler.xcom("alias_and_asset", joined.run_id, "consume") == [
        "s3://lake/gate",
        "s3://lake/mixed",
    ]
    second = _next_run(scheduler, "alias_or_asset", either + 1)
    assert scheduler.xcom("alias_or_asset", second.run_id, "consume") == ["s3://lake/gate"]


def test_airflow_dag_files_attach_events_through_aliases(scheduler: SchedulerHarness) -> None:
    for version, producer in (("af3", "af3_producer"), ("af2", "af2_producer")):
        before = len(scheduler.runs(f"{version}_consumer"))
        assert _run(scheduler, producer) is DagRunState.SUCCESS
        consumer = _next_run(scheduler, f"{version}_consumer", before)
        assert consumer.state is DagRunState.SUCCESS

        if version == "af3":
            source, extra, same = scheduler.xcom(consumer.dag_id, consumer.run_id, "consume")
            assert (source, same) == ("af3_producer", True)
            assert extra in ({"via": "context"}, {"via": "yield"})
        else:
            # The producer was still running when its first event triggered the consumer.
            assert scheduler.xcom(consumer.dag_id, consumer.run_id, "consume") in (
                ["af2_producer", "running"],
                ["af2_producer", "success"],
            )
            echoed = scheduler.xcom(consumer.dag_id, consumer.run_id, "echo_source")
            assert echoed == "af2_producer"

    assert _events(scheduler, "s3://lake/af3")[-1] == ({"via": "context"}, ["af3"])
    assert _events(scheduler, "s3://lake/af3-yield")[-1] == ({"via": "yield"}, ["af3"])
    assert _events(scheduler, "s3://lake/af2")[-1] == ({"v": 2}, ["af2"])
    assert _events(scheduler, "s3://lake/af2-yield")[-1] == ({"v": "y"}, ["af2"])
