from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind.contracts.runs import DagRunType
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.latest_only import LatestOnlyOperator
from tradewind.sdk import DAG
from tradewind.timetables import DeltaDataIntervalTimetable

START = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def latest_only_dag(**dag_kwargs: Any) -> LatestOnlyOperator:
    """latest >> [a, b]; a >> c."""
    with DAG("d", start_date=START, **dag_kwargs):
        latest = LatestOnlyOperator(task_id="latest")
        a, b, c = (EmptyOperator(task_id=i) for i in "abc")
        latest >> [a, b]
        a >> c
    return latest


def run_at(make_context: Any, op: Any, moment: datetime, **kwargs: Any) -> Any:
    interval = kwargs.pop("interval", (moment, moment))
    return make_context(
        op, logical_date=interval[0], interval=interval, run_after=interval[1], **kwargs
    )


def test_latest_point_in_time_run_proceeds(make_context):
    latest = latest_only_dag(schedule=HOUR)
    context = run_at(make_context, latest, datetime.now(UTC) - timedelta(minutes=10))
    assert latest.execute(context) == ["a", "b"]
    assert context["ti"].skip_calls == []


def test_older_point_in_time_run_skips_direct_downstream_tasks(make_context):
    latest = latest_only_dag(schedule=HOUR)
    context = run_at(make_context, latest, datetime.now(UTC) - timedelta(minutes=70))
    assert latest.execute(context) == []
    assert context["ti"].skip_calls == [["a", "b"]]


def test_latest_data_interval_run_proceeds(make_context):
    latest = latest_only_dag(timetable=DeltaDataIntervalTimetable(HOUR))
    now = datetime.now(UTC)
    interval = (now - timedelta(minutes=70), now - timedelta(minutes=10))
    context = run_at(make_context, latest, now, interval=interval)
    latest.execute(context)
    assert context["ti"].skip_calls == []


def test_older_data_interval_run_skips_direct_downstream_tasks(make_context):
    latest = latest_only_dag(timetable=DeltaDataIntervalTimetable(HOUR))
    now = datetime.now(UTC)
    interval = (now - timedelta(minutes=130), now - timedelta(minutes=70))
    context = run_at(make_context, latest, now, interval=interval)
    latest.execute(context)
    assert context["ti"].skipped == {"a", "b"}


def test_manual_run_proceeds_even_for_an_old_date(make_context):
    latest = latest_only_dag(schedule=HOUR)
    context = run_at(
        make_context, latest, datetime(2020, 1, 1, tzinfo=UTC), run_type=DagRunType.MANUAL
    )
    assert latest.execute(context) == ["a", "b"]
    assert context["ti"].skip_calls == []


def test_backfill_of_an_old_interval_skips(make_context):
    latest = latest_only_dag(schedule=HOUR)
    context = run_at(
        make_context, latest, datetime(2024, 1, 1, tzinfo=UTC), run_type=DagRunType.BACKFILL
    )
    latest.execute(context)
    assert context["ti"].skipped == {"a", "b"}


def test_dag_without_schedule_always_proceeds(make_context):
    latest = latest_only_dag(schedule=None)
    context = run_at(make_context, latest, datetime(2020, 1, 1, tzinfo=UTC))
    latest.execute(context)
    assert context["ti"].skip_calls == []


def test_run_without_logical_date_is_judged_by_run_after(make_context):
    latest = latest_only_dag(schedule=HOUR)
    old = make_context(
        latest, logical_date=None, interval=None, run_after=datetime.now(UTC) - 2 * HOUR
    )
    latest.execute(old)
    assert old["ti"].skipped == {"a", "b"}
