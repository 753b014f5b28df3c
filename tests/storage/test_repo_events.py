"""Import errors, asset events, log locations and job heartbeats, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session
from storage_factories import NOW, make_run

from tradewind.contracts.runs import TaskInstanceKey
from tradewind.storage.repos import asset_events, import_errors, jobs, logs
from tradewind.storage.rows import AssetEventRow
from tradewind.storage.sql_store import SqlStore


@dataclass
class _Error:
    filename: str
    lineno: int | None
    message: str
    traceback: str = "Traceback…"


def test_import_errors_are_replaced_per_file(session: Session) -> None:
    import_errors.replace_import_errors(
        session=session,
        filenames=["/d/a.py", "/d/b.py"],
        errors=[_Error("/d/a.py", 3, "SyntaxError"), _Error("/d/b.py", None, "boom")],
        now=NOW,
    )
    import_errors.replace_import_errors(
        session=session, filenames=["/d/a.py"], errors=[_Error("/d/a.py", 7, "NameError")], now=NOW
    )
    listed = import_errors.list_import_errors(session=session)
    assert [(e.filename, e.lineno, e.message) for e in listed] == [
        ("/d/a.py", 7, "NameError"),
        ("/d/b.py", None, "boom"),
    ]
    import_errors.replace_import_errors(session=session, filenames=["/d/b.py"], errors=[], now=NOW)
    assert [e.filename for e in import_errors.list_import_errors(session=session)] == ["/d/a.py"]


def test_import_errors_of_missing_files_are_forgotten(session: Session) -> None:
    errors = [_Error("/d/a.py", 1, "x"), _Error("/d/b.py", 1, "y")]
    import_errors.replace_import_errors(session=session, filenames=[], errors=errors, now=NOW)
    import_errors.delete_import_errors_of_missing_files(session=session, filenames=["/d/b.py"])
    listed = import_errors.list_import_errors(session=session, filenames=["/d/a.py", "/d/b.py"])
    assert [e.filename for e in listed] == ["/d/b.py"]


def test_asset_events_are_listed_by_uri_and_time(session: Session) -> None:
    def event(uri: str, minutes: int) -> AssetEventRow:
        return AssetEventRow(
            asset_name=uri,
            asset_uri=uri,
            extra={"rows": minutes},
            source_dag_id="etl",
            source_run_id="r1",
            source_task_id="load",
            timestamp=NOW + timedelta(minutes=minutes),
        )

    created = asset_events.create_asset_events(
        session=session, events=[event("s3://raw", 1), event("s3://raw", 2), event("s3://other", 3)]
    )
    assert all(row.id for row in created)
    raw = asset_events.list_asset_events(session=session, uris=["s3://raw"])
    assert [(e.extra, e.source_map_index) for e in raw] == [({"rows": 1}, -1), ({"rows": 2}, -1)]
    window = asset_events.list_asset_events(
        session=session, after=NOW + timedelta(minutes=1), until=NOW + timedelta(minutes=3)
    )
    assert [e.extra["rows"] for e in window] == [2, 3]


def test_each_try_has_its_log_location(session: Session) -> None:
    SqlStore(session).add_dag_run(make_run())
    first, second = (TaskInstanceKey("etl", "r1", "t", -1, n) for n in (1, 2))
    logs.upsert_log_location(session=session, key=first, location="/logs/1.log", now=NOW)
    logs.upsert_log_location(session=session, key=second, location="/logs/2.log", now=NOW)
    logs.upsert_log_location(session=session, key=first, location="s3://logs/1.log", now=NOW)
    assert logs.get_log_location(session=session, key=first) == "s3://logs/1.log"
    assert logs.get_log_location(session=session, key=TaskInstanceKey("etl", "r1", "x")) is None
    listed = logs.list_log_locations(session=session, dag_id="etl", run_id="r1", task_id="t")
    assert [(row.try_number, row.location) for row in listed] == [
        (1, "s3://logs/1.log"),
        (2, "/logs/2.log"),
    ]


def test_jobs_are_alive_while_they_heartbeat(session: Session) -> None:
    old = jobs.create_job(session=session, kind="scheduler", hostname="h1", pid=1, now=NOW)
    new = jobs.create_job(session=session, kind="scheduler", hostname="h2", pid=2, now=NOW)
    jobs.create_job(session=session, kind="dag_processor", hostname="h1", pid=3, now=NOW)
    later = NOW + timedelta(minutes=5)
    assert jobs.update_job_heartbeat(session=session, job_id=new.id, now=later)
    alive = jobs.list_alive_jobs(
        session=session, kind="scheduler", since=later - timedelta(seconds=30)
    )
    assert [job.id for job in alive] == [new.id]
    jobs.update_job_ended(session=session, job_id=new.id, now=later)
    assert not jobs.update_job_heartbeat(session=session, job_id=new.id, now=later)
    assert jobs.list_alive_jobs(session=session, kind="scheduler", since=NOW) == [old]
    got = jobs.get_job(session=session, job_id=new.id)
    assert got is not None
    assert got.ended_at == later
