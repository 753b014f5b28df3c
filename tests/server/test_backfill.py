"""Backfill: which dates, what happens to dates that have runs, the active-run limit, dry runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.server.deployment import Deployment

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import TERMINAL_RUN_STATES, DagRunState
from tradewind.server.backfill import (
    BackfillError,
    BackfillPlan,
    Reprocess,
    advance_backfill,
    backfill,
    backfill_dates,
)
from tradewind.server.run_operations import set_dag_run_state
from tradewind.storage.rows import DagRunRow

# Starts in 2100, so the scheduler makes no runs of its own while tests backfill 2024.
DAILY = """
with DAG("daily", schedule="@daily", start_date=datetime(2100, 1, 1)) as dag:
    PythonOperator(task_id="t", python_callable=work("t"))
"""


def jan(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


def run_id(day: int) -> str:
    return f"backfill__{jan(day).isoformat()}"


@pytest.fixture
def daily(deployment: Deployment) -> Deployment:
    deployment.write_dag("daily.py", DAILY)
    deployment.parse()
    deployment.unpause("daily")
    return deployment


def _backfill(deployment: Deployment, **options: Any) -> BackfillPlan:
    with deployment.sessions.begin() as session:
        return backfill(session, deployment.specs, "daily", **options)


def _runs(deployment: Deployment) -> list[DagRunRow]:
    with deployment.sessions() as session:
        return list(session.scalars(select(DagRunRow).order_by(DagRunRow.logical_date)))


def test_backfill_queues_a_backfill_run_per_date_both_ends_included(daily: Deployment) -> None:
    plan = _backfill(daily, start=jan(1), end=jan(3), conf={"source": "archive"})

    assert plan.run_ids == [run_id(1), run_id(2), run_id(3)]
    runs = _runs(daily)
    assert [run.run_id for run in runs] == plan.run_ids
    first = runs[0]
    assert (first.run_type, first.state, first.conf) == (
        DagRunType.BACKFILL,
        DagRunState.QUEUED,
        {"source": "archive"},
    )
    # "@daily" is a cron trigger (Airflow 3): each run is a point in time, due at once.
    assert (first.logical_date, first.data_interval_start, first.data_interval_end) == (
        jan(1),
        jan(1),
        jan(1),
    )
    assert first.run_after == jan(1)


def test_data_interval_schedules_give_each_run_its_interval(deployment: Deployment) -> None:
    deployment.write_dag(
        "daily.py", DAILY.replace('schedule="@daily"', "schedule_interval=timedelta(days=1)")
    )
    deployment.parse()
    deployment.unpause("daily")

    _backfill(deployment, start=jan(1), end=jan(2))

    assert [
        (r.data_interval_start, r.data_interval_end, r.run_after) for r in _runs(deployment)
    ] == [
        (jan(1), jan(2), jan(2)),
        (jan(2), jan(3), jan(3)),
    ]


def test_a_start_between_two_ticks_begins_at_the_next_tick(daily: Deployment) -> None:
    plan = _backfill(daily, start=jan(1, 12), end=jan(3), dry_run=True)

    assert [date.logical_date for date in plan.dates] == [jan(2), jan(3)]


def test_dates_not_due_yet_are_left_out(daily: Deployment) -> None:
    with daily.sessions() as session:
        spec = daily.specs.latest(session, "daily")
    assert spec is not None

    infos = backfill_dates(spec, start=jan(1), end=jan(31), now=jan(4, 12))

    assert [info.logical_date for info in infos] == [jan(1), jan(2), jan(3), jan(4)]


def test_a_dry_run_lists_the_dates_and_creates_nothing(daily: Deployment) -> None:
    plan = _backfill(daily, start=jan(1), end=jan(2), dry_run=True)

    assert [(str(d.action), d.run_id) for d in plan.dates] == [
        ("create", run_id(1)),
        ("create", run_id(2)),
    ]
    assert _runs(daily) == []


def _existing_runs(deployment: Deployment) -> None:
    """Runs at Jan 1 (success), Jan 2 (failed) and Jan 3 (still queued)."""
    for day in (1, 2, 3):
        deployment.trigger("daily", logical_date=jan(day))
    with deployment.sessions.begin() as session:
        for day, state in ((1, DagRunState.SUCCESS), (2, DagRunState.FAILED)):
            manual = f"manual__{jan(day).isoformat()}"
            set_dag_run_state(session, deployment.specs, "daily", manual, state)


@pytest.mark.parametrize(
    ("reprocess", "actions"),
    [
        (Reprocess.NONE, ["skip", "skip", "skip", "create"]),
        (Reprocess.FAILED, ["skip", "clear", "skip", "create"]),
        (Reprocess.COMPLETED, ["clear", "clear", "skip", "create"]),
    ],
)
def test_dates_with_a_run_follow_the_reprocess_mode(
    daily: Deployment, reprocess: Reprocess, actions: list[str]
) -> None:
    _existing_runs(daily)

    plan = _backfill(daily, start=jan(1), end=jan(4), reprocess=reprocess, dry_run=True)

    assert [str(date.action) for date in plan.dates] == actions
    assert plan.dates[2].reason == "a run is queued"


def test_reprocessing_failed_runs_clears_them_in_place(daily: Deployment) -> None:
    _existing_runs(daily)
    failed = f"manual__{jan(2).isoformat()}"

    plan = _backfill(daily, start=jan(1), end=jan(4), reprocess=Reprocess.FAILED)

    assert plan.run_ids == [failed, run_id(4)]
    assert daily.run_state("daily", failed) == DagRunState.QUEUED
    assert daily.states("daily", failed) == {"t": None}
    assert daily.run_until_finished("daily", failed, run_id(4)) == DagRunState.SUCCESS
    assert daily.run_state("daily", f"manual__{jan(1).isoformat()}") == DagRunState.SUCCESS


def test_at_most_max_active_runs_are_active_until_the_backfill_is_done(
    daily: Deployment,
) -> None:
    plan = _backfill(daily, start=jan(1), end=jan(5), max_active_runs=2)
    assert plan.started == [run_id(1), run_id(2)]
    assert len(_runs(daily)) == 2
    most_active = 0
    while True:
        daily.scheduler.step()
        with daily.sessions.begin() as session:
            advance_backfill(session, daily.specs, plan)
        runs = _runs(daily)
        active = [run for run in runs if run.state not in TERMINAL_RUN_STATES]
        most_active = max(most_active, len(active))
        if len(runs) == 5 and not active:
            break

    assert most_active == 2
    assert {run.state for run in runs} == {DagRunState.SUCCESS}
    assert sorted(daily.executed()) == ["t"] * 5


def test_max_active_runs_defaults_to_the_dags(daily: Deployment) -> None:
    plan = _backfill(daily, start=jan(1), end=jan(31) - timedelta(days=1), dry_run=True)

    assert plan.max_active_runs == 16


def test_a_paused_dag_is_refused(deployment: Deployment) -> None:
    deployment.write_dag("daily.py", DAILY)
    deployment.parse()

    with pytest.raises(BackfillError, match=r"is paused.*tradewind dags unpause daily"):
        _backfill(deployment, start=jan(1), end=jan(2))
    assert _runs(deployment) == []


def test_a_dag_without_a_time_based_schedule_is_refused(deployment: Deployment) -> None:
    deployment.write_dag("daily.py", DAILY.replace('schedule="@daily"', "schedule=None"))
    deployment.parse()

    with pytest.raises(BackfillError, match="no time-based schedule"):
        _backfill(deployment, start=jan(1), end=jan(2), dry_run=True)


def test_an_end_before_the_start_is_refused(daily: Deployment) -> None:
    with pytest.raises(BackfillError, match="swap --start and --end"):
        _backfill(daily, start=jan(2), end=jan(1), dry_run=True)


def test_backfill_runs_on_postgres_too(sql_deployment: Deployment) -> None:
    sql_deployment.write_dag("daily.py", DAILY)
    sql_deployment.parse()
    sql_deployment.unpause("daily")

    plan = _backfill(sql_deployment, start=jan(1), end=jan(2))

    assert sql_deployment.run_until_finished("daily", *plan.run_ids) == DagRunState.SUCCESS
