from datetime import UTC, datetime, timedelta

from tradewind import DAG
from tradewind.core.run_creation import next_scheduled_run
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk.serialization import serialize_dag


def _spec(**kwargs: object):  # type: ignore[no-untyped-def]
    with DAG("d", start_date=datetime(2024, 1, 1, tzinfo=UTC), **kwargs) as dag:  # type: ignore[arg-type]
        EmptyOperator(task_id="t")
    return serialize_dag(dag)


def test_daily_schedule_with_catchup_creates_the_first_interval_first() -> None:
    spec = _spec(schedule="@daily", catchup=True)
    decision = next_scheduled_run(
        spec, last_automated=None, active_runs=0, now=datetime(2024, 1, 3, 12, tzinfo=UTC)
    )
    assert decision.due is not None
    assert decision.due.logical_date == datetime(2024, 1, 1, tzinfo=UTC)


def test_no_run_before_its_time() -> None:
    spec = _spec(schedule="@daily", catchup=True)
    decision = next_scheduled_run(
        spec, last_automated=None, active_runs=0, now=datetime(2023, 12, 31, tzinfo=UTC)
    )
    assert decision.due is None
    assert decision.next_check == datetime(2024, 1, 1, tzinfo=UTC)


def test_max_active_runs_holds_back_a_due_run() -> None:
    spec = _spec(schedule="@daily", catchup=True, max_active_runs=1)
    decision = next_scheduled_run(
        spec, last_automated=None, active_runs=1, now=datetime(2024, 1, 5, tzinfo=UTC)
    )
    assert decision.due is None


def test_manual_only_dag_never_gets_scheduled_runs() -> None:
    spec = _spec(schedule=None)
    decision = next_scheduled_run(
        spec, last_automated=None, active_runs=0, now=datetime(2024, 1, 5, tzinfo=UTC)
    )
    assert decision.due is None and decision.next_check is None


def test_catchup_off_creates_only_the_latest_run() -> None:
    spec = _spec(schedule="@daily", catchup=False)
    now = datetime(2024, 3, 10, 12, tzinfo=UTC)
    decision = next_scheduled_run(spec, last_automated=None, active_runs=0, now=now)
    assert decision.due is not None
    assert now - decision.due.run_after < timedelta(days=1)
