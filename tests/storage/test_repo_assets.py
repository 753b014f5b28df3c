"""Asset repository: assets recorded from DAG specs, their references and activity."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from storage_factories import NOW

from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.storage.repos import assets, dags, run_history
from tradewind.storage.rows import AssetEventRow, AssetUse

RAW = {"name": "raw", "uri": "s3://lake/raw", "group": "asset"}
CLEAN = {"name": "s3://lake/clean", "uri": "s3://lake/clean", "group": "asset"}


def _producer(**changes: object) -> DagSpec:
    spec = DagSpec(
        dag_id="producer",
        fileloc="/dags/producer.py",
        timetable={"type": "NullTimetable"},
        tasks={
            "write": TaskSpec(task_id="write", operator="EmptyOperator", outlets=(RAW,)),
            "read": TaskSpec(task_id="read", operator="EmptyOperator", inlets=(CLEAN,)),
        },
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def _consumer() -> DagSpec:
    return DagSpec(
        dag_id="consumer",
        fileloc="/dags/consumer.py",
        timetable={
            "type": "AssetTriggeredTimetable",
            "condition": {"all": [{"asset": RAW}, {"any": [{"asset": CLEAN}]}]},
        },
        tasks={"t": TaskSpec(task_id="t", operator="EmptyOperator")},
    )


def _store(session: Session, *specs: DagSpec, now: datetime = NOW) -> None:
    dags.upsert_dags(session=session, specs=list(specs), sources={}, now=now)
    assets.sync_dag_assets(session=session, specs=list(specs), now=now)
    assets.update_assets_active(session=session)


def _uses(session: Session) -> set[tuple[str, str, str, str]]:
    rows, _ = assets.list_asset_page(session=session, only_active=False)
    refs = assets.list_asset_references(session=session, asset_ids=[row.id for row in rows])
    uri = {row.id: row.uri for row in rows}
    return {
        (uri[asset_id], ref.dag_id, str(ref.use), ref.task_id)
        for asset_id, found in refs.items()
        for ref in found
    }


def test_the_assets_a_dag_mentions_are_recorded_with_how(session: Session) -> None:
    _store(session, _producer(), _consumer())
    assert _uses(session) == {
        ("s3://lake/raw", "producer", "outlet", "write"),
        ("s3://lake/clean", "producer", "inlet", "read"),
        ("s3://lake/raw", "consumer", "schedule", ""),
        ("s3://lake/clean", "consumer", "schedule", ""),
    }
    rows, total = assets.list_asset_page(session=session)
    assert total == 2
    assert [(row.name, row.uri, row.is_active) for row in rows] == [
        ("raw", "s3://lake/raw", True),
        ("s3://lake/clean", "s3://lake/clean", True),
    ]


def test_an_asset_keeps_its_id_when_dags_are_stored_again(session: Session) -> None:
    _store(session, _producer())
    first = {row.uri: row.id for row in assets.list_asset_page(session=session)[0]}
    _store(session, _producer(), _consumer(), now=NOW + timedelta(minutes=1))
    again = {row.uri: row.id for row in assets.list_asset_page(session=session)[0]}
    assert again == first


def test_a_reference_the_dag_dropped_goes(session: Session) -> None:
    _store(session, _producer())
    without_inlet = _producer(
        tasks={"write": TaskSpec(task_id="write", operator="EmptyOperator", outlets=(RAW,))}
    )
    _store(session, without_inlet)
    assert _uses(session) == {("s3://lake/raw", "producer", "outlet", "write")}


def test_an_asset_no_active_dag_mentions_becomes_inactive(session: Session) -> None:
    _store(session, _producer(), _consumer())
    dags.deactivate_dags_of_missing_files(session=session, filelocs=["/dags/consumer.py"])
    assets.update_assets_active(session=session)
    # The consumer is scheduled on both; only the producer's file is gone.
    assert {row.uri for row in assets.list_asset_page(session=session)[0]} == {
        "s3://lake/raw",
        "s3://lake/clean",
    }
    dags.deactivate_dags_of_missing_files(session=session, filelocs=[])
    assets.update_assets_active(session=session)
    assert assets.list_asset_page(session=session) == ([], 0)
    assert assets.list_asset_page(session=session, only_active=False)[1] == 2


def test_assets_filter_by_pattern_and_dag(session: Session) -> None:
    _store(session, _producer(), _consumer())
    by_name, _ = assets.list_asset_page(session=session, name_pattern="RAW")
    assert [row.uri for row in by_name] == ["s3://lake/raw"]
    by_uri, _ = assets.list_asset_page(session=session, uri_pattern="clean")
    assert [row.uri for row in by_uri] == ["s3://lake/clean"]
    _, none = assets.list_asset_page(session=session, dag_ids=["nobody"])
    assert none == 0
    page, total = assets.list_asset_page(
        session=session, dag_ids=["producer"], order_by=[("uri", True)], limit=1
    )
    assert ([row.uri for row in page], total) == (["s3://lake/raw"], 2)


def test_the_producers_of_an_asset_are_the_dags_with_it_as_an_outlet(session: Session) -> None:
    _store(session, _producer(), _consumer())
    ids = {row.uri: row.id for row in assets.list_asset_page(session=session)[0]}
    assert assets.list_dags_producing(session=session, asset_id=ids["s3://lake/raw"]) == [
        "producer"
    ]
    assert assets.list_dags_producing(session=session, asset_id=ids["s3://lake/clean"]) == []
    assert assets.list_dags_scheduled_on(session=session, asset_ids=list(ids.values())) == {
        "consumer": set(ids.values())
    }


def test_the_last_event_of_an_asset(session: Session) -> None:
    _store(session, _producer())
    asset_id = assets.list_asset_page(session=session)[0][0].id
    assert assets.list_last_asset_events(session=session, asset_ids=[asset_id]) == {}
    for minutes in (1, 2):
        session.add(
            AssetEventRow(
                asset_name="raw",
                asset_uri="s3://lake/raw",
                timestamp=NOW + timedelta(minutes=minutes),
            )
        )
    session.flush()
    last = assets.list_last_asset_events(session=session, asset_ids=[asset_id])
    assert last[asset_id][1] == NOW + timedelta(minutes=2)


def test_deleting_a_dag_drops_its_references(session: Session) -> None:
    _store(session, _producer(), _consumer())
    run_history.delete_dag_history(session=session, dag_id="consumer")
    assert {use for _, dag_id, use, _ in _uses(session) if dag_id == "consumer"} == set()
    assert AssetUse.OUTLET in {use for _, _, use, _ in _uses(session)}


def test_a_new_group_for_an_asset_is_recorded(session: Session) -> None:
    _store(session, _producer())
    regrouped = {**RAW, "group": "lake"}
    later = NOW + timedelta(minutes=1)
    _store(
        session,
        _producer(
            tasks={
                "write": TaskSpec(task_id="write", operator="EmptyOperator", outlets=(regrouped,))
            }
        ),
        now=later,
    )
    (row,) = assets.list_asset_page(session=session, name_pattern="raw")[0]
    assert (row.group, row.created_at, row.updated_at) == ("lake", NOW, later)
