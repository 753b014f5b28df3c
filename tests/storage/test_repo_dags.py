"""DAG and DAG-version repository, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session
from storage_factories import NOW

from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.server.specs import SpecCache
from tradewind.storage.repos import dags


def _spec(dag_id: str = "etl", fileloc: str = "/dags/etl.py", **changes: object) -> DagSpec:
    spec = DagSpec(
        dag_id=dag_id,
        fileloc=fileloc,
        timetable={"type": "cron", "expression": "0 0 * * *"},
        tasks={
            "a": TaskSpec(task_id="a", operator="EmptyOperator", owner="ana"),
            "b": TaskSpec(task_id="b", operator="BashOperator", owner="bo"),
        },
        schedule_summary="@daily",
        tags=("ml", "daily"),
        max_active_runs=3,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def test_a_new_dag_gets_its_row_and_first_version(session: Session) -> None:
    spec = _spec()
    sync = dags.upsert_dags(session=session, specs=[spec], sources={spec.fileloc: "# v1"}, now=NOW)
    row = dags.get_dag(session=session, dag_id="etl")
    assert row is not None
    assert (row.fileloc, row.is_active, row.is_paused, row.last_parsed_time) == (
        "/dags/etl.py",
        True,
        True,
        NOW,
    )
    assert (row.schedule_summary, row.tags, row.owners, row.max_active_runs) == (
        "@daily",
        ["daily", "ml"],
        "ana,bo",
        3,
    )
    version = sync.versions["etl"]
    assert (version.version_number, version.version_hash, version.source_code) == (
        1,
        spec.version_hash,
        "# v1",
    )
    assert DagSpec.from_json(version.spec_json).version_hash == spec.version_hash
    assert sync.new_versions == ["etl"]


def test_an_unchanged_dag_keeps_its_version(session: Session) -> None:
    spec = _spec()
    first = dags.upsert_dags(session=session, specs=[spec], sources={spec.fileloc: "x"}, now=NOW)
    later = NOW + timedelta(minutes=1)
    again = dags.upsert_dags(session=session, specs=[spec], sources={spec.fileloc: "x"}, now=later)
    assert again.new_versions == []
    assert again.versions["etl"].id == first.versions["etl"].id
    assert len(dags.list_dag_versions(session=session, dag_id="etl")) == 1
    row = dags.get_dag(session=session, dag_id="etl")
    assert row is not None
    assert row.last_parsed_time == later


def test_a_changed_dag_gets_a_new_version(session: Session) -> None:
    v1, v2 = _spec(), _spec(max_active_runs=5)
    dags.upsert_dags(session=session, specs=[v1], sources={v1.fileloc: "one"}, now=NOW)
    sync = dags.upsert_dags(session=session, specs=[v2], sources={v2.fileloc: "two"}, now=NOW)
    assert sync.versions["etl"].version_number == 2
    versions = dags.list_dag_versions(session=session, dag_id="etl")
    assert [(v.version_number, v.source_code) for v in versions] == [(1, "one"), (2, "two")]
    latest = dags.list_latest_dag_versions(session=session, dag_ids=["etl"]).get("etl")
    assert latest is not None
    assert latest.version_hash == v2.version_hash
    old = dags.get_dag_version(session=session, dag_id="etl", version_hash=v1.version_hash)
    assert old is not None
    assert old.version_number == 1


def test_pause_state_survives_reparsing(session: Session) -> None:
    spec = _spec()
    dags.upsert_dags(session=session, specs=[spec], sources={}, now=NOW, paused_at_creation=False)
    assert dags.update_dags_paused(session=session, dag_ids=["etl", "nope"], is_paused=True) == 1
    dags.upsert_dags(session=session, specs=[spec], sources={}, now=NOW, paused_at_creation=False)
    row = dags.get_dag(session=session, dag_id="etl")
    assert row is not None
    assert row.is_paused


def test_a_spec_may_ask_to_start_unpaused(session: Session) -> None:
    spec = _spec(is_paused_upon_creation=False)
    dags.upsert_dags(session=session, specs=[spec], sources={}, now=NOW)
    assert dags.list_dags(session=session, paused=False)[0].dag_id == "etl"


def test_a_dag_dropped_from_its_file_is_deactivated(session: Session) -> None:
    a, b = _spec("a", "/dags/f.py"), _spec("b", "/dags/f.py")
    other = _spec("c", "/dags/other.py")
    dags.upsert_dags(session=session, specs=[a, b, other], sources={}, now=NOW)
    sync = dags.upsert_dags(session=session, specs=[a], sources={"/dags/f.py": "..."}, now=NOW)
    assert sync.deactivated == ["b"]
    assert [d.dag_id for d in dags.list_dags(session=session)] == ["a", "c"]
    assert [d.dag_id for d in dags.list_dags(session=session, active=False)] == ["b"]
    dags.upsert_dags(session=session, specs=[a, b], sources={"/dags/f.py": "..."}, now=NOW)
    assert [d.dag_id for d in dags.list_dags(session=session)] == ["a", "b", "c"]


def test_dags_of_missing_files_are_deactivated(session: Session) -> None:
    specs = [_spec("a", "/dags/a.py"), _spec("b", "/dags/b.py")]
    dags.upsert_dags(session=session, specs=specs, sources={}, now=NOW)
    gone = dags.deactivate_dags_of_missing_files(session=session, filelocs=["/dags/a.py"])
    assert gone == ["b"]
    assert [d.dag_id for d in dags.list_dags(session=session, active=None)] == ["a", "b"]
    assert [d.dag_id for d in dags.list_dags(session=session)] == ["a"]


def test_dags_are_listed_by_id_with_paging(session: Session) -> None:
    specs = [_spec(f"d{i}", f"/dags/d{i}.py") for i in range(5)]
    dags.upsert_dags(session=session, specs=specs, sources={}, now=NOW)
    page = dags.list_dags(session=session, limit=2, offset=1)
    assert [d.dag_id for d in page] == ["d1", "d2"]
    chosen = dags.list_dags(session=session, dag_ids=["d4", "d0"])
    assert [d.dag_id for d in chosen] == ["d0", "d4"]


def test_dags_whose_next_run_is_due_are_listed(session: Session) -> None:
    specs = [_spec(f"d{i}", f"/dags/d{i}.py") for i in range(4)]
    dags.upsert_dags(session=session, specs=specs, sources={}, now=NOW, paused_at_creation=False)
    interval = (NOW - timedelta(days=1), NOW)
    for dag_id, due in (
        ("d0", NOW),
        ("d1", NOW - timedelta(hours=1)),
        ("d2", NOW + timedelta(hours=1)),
    ):
        dags.update_dag_next_run(
            session=session,
            dag_id=dag_id,
            next_dagrun=NOW,
            data_interval=interval,
            create_after=due,
        )
    dags.update_dag_next_run(
        session=session, dag_id="d3", next_dagrun=NOW, data_interval=interval, create_after=NOW
    )
    dags.update_dags_paused(session=session, dag_ids=["d3"], is_paused=True)
    due = dags.list_dags_needing_runs(session=session, now=NOW, limit=10)
    assert [d.dag_id for d in due] == ["d1", "d0"]
    assert due[0].next_dagrun_data_interval_end == NOW
    dags.update_dag_next_run(
        session=session, dag_id="d1", next_dagrun=None, data_interval=None, create_after=None
    )
    assert [d.dag_id for d in dags.list_dags_needing_runs(session=session, now=NOW, limit=10)] == [
        "d0"
    ]


def test_the_spec_cache_follows_new_versions_and_reads_a_spec_once(session: Session) -> None:
    v1, v2 = _spec(), _spec(max_active_runs=5)
    dags.upsert_dags(session=session, specs=[v1], sources={v1.fileloc: "one"}, now=NOW)
    cache = SpecCache()
    first = cache.latest(session, "etl")
    assert first is not None and first.version_hash == v1.version_hash

    statements: list[str] = []
    engine = session.get_bind()

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert cache.latest(session, "etl") is first
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # Only the latest version's hash was read, not its spec again.
    assert len(statements) == 1 and "spec_json" not in statements[0]

    dags.upsert_dags(session=session, specs=[v2], sources={v2.fileloc: "two"}, now=NOW)
    second = cache.latest(session, "etl")
    assert second is not None and second.max_active_runs == 5
    assert cache.latest(session, "missing") is None
