from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tradewind.exceptions import RescheduleTask
from tradewind.sdk import DAG
from tradewind.sensors.date_time import DateTimeSensor, DateTimeSensorAsync
from tradewind.sensors.time_delta import TimeDeltaSensor, TimeDeltaSensorAsync

START = datetime(2024, 1, 1, tzinfo=UTC)


def delta_sensor(delta: timedelta, **kwargs) -> TimeDeltaSensor:
    with DAG("d", schedule=None, start_date=START):
        return TimeDeltaSensor(task_id="s", delta=delta, **kwargs)


def datetime_sensor(target, **kwargs) -> DateTimeSensor:
    with DAG("d", schedule=None, start_date=START):
        return DateTimeSensor(task_id="s", target_time=target, **kwargs)


def test_time_delta_target_is_data_interval_end_plus_delta(make_context):
    op = delta_sensor(timedelta(hours=2))
    context = make_context(op, interval=(START, START + timedelta(days=1)))
    assert op.target_time(context) == START + timedelta(days=1, hours=2)


def test_time_delta_with_empty_interval_counts_from_the_logical_date(make_context):
    op = delta_sensor(timedelta(hours=1))
    moment = START + timedelta(hours=5)
    context = make_context(op, logical_date=moment, interval=(moment, moment))
    assert op.target_time(context) == moment + timedelta(hours=1)


def test_time_delta_without_logical_date_counts_from_run_after(make_context):
    op = delta_sensor(timedelta(minutes=1))
    run_after = START + timedelta(hours=3)
    context = make_context(op, logical_date=None, interval=None, run_after=run_after)
    assert op.target_time(context) == run_after + timedelta(minutes=1)


def test_time_delta_in_the_past_is_done_on_the_first_poke(make_context):
    op = delta_sensor(timedelta(hours=1), poke_interval=60)
    context = make_context(op, interval=(START, START + timedelta(days=1)))
    started = time.monotonic()
    assert op.execute(context) is None
    assert time.monotonic() - started < 0.5


def test_time_delta_waits_until_a_near_target_despite_a_long_poke_interval(make_context):
    op = delta_sensor(timedelta(seconds=0.3), poke_interval=60)
    now = datetime.now(UTC)
    context = make_context(op, interval=(now - timedelta(hours=1), now))
    started = time.monotonic()
    op.execute(context)
    assert 0.25 <= time.monotonic() - started < 1.5
    assert datetime.now(UTC) >= now + timedelta(seconds=0.3)


def test_time_delta_in_reschedule_mode_reschedules_at_the_target(make_context):
    op = delta_sensor(timedelta(seconds=30), mode="reschedule", poke_interval=600)
    now = datetime.now(UTC)
    context = make_context(op, interval=(now - timedelta(hours=1), now))
    with pytest.raises(RescheduleTask) as signal:
        op.execute(context)
    assert abs(signal.value.reschedule_date - (now + timedelta(seconds=30))) < timedelta(seconds=1)


def test_time_delta_deferrable_runs_in_reschedule_mode():
    assert delta_sensor(timedelta(0), deferrable=True).mode == "reschedule"
    with DAG("d2", schedule=None, start_date=START):
        assert TimeDeltaSensorAsync(task_id="s", delta=timedelta(0)).mode == "reschedule"


def test_time_delta_requires_a_timedelta():
    with pytest.raises(TypeError, match="timedelta"):
        delta_sensor(5)


def test_date_time_in_the_past_is_done_on_the_first_poke(make_context):
    op = datetime_sensor(datetime(2020, 1, 1, tzinfo=UTC), poke_interval=60)
    assert op.execute(make_context(op)) is None


def test_date_time_waits_for_a_near_future_iso_string(make_context):
    target = datetime.now(UTC) + timedelta(seconds=0.3)
    op = datetime_sensor(target.isoformat(), poke_interval=60)
    started = time.monotonic()
    op.execute(make_context(op))
    assert 0.25 <= time.monotonic() - started < 1.5
    assert datetime.now(UTC) >= target


def test_date_time_keeps_a_datetime_target_as_iso_text():
    op = datetime_sensor(datetime(2024, 5, 1, 6, tzinfo=UTC))
    assert op.target_time == "2024-05-01T06:00:00+00:00"


def test_date_time_target_is_templated(make_context):
    op = datetime_sensor("{{ data_interval_end + macros.timedelta(hours=1) }}")
    context = make_context(op, interval=(START, START + timedelta(days=1)))
    op.render_template_fields(context)
    assert op.target_time == "2024-01-02 01:00:00+00:00"
    assert op.poke(context) is True


def test_date_time_naive_target_is_utc(make_context):
    future = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None)
    op = datetime_sensor(future.isoformat(), mode="reschedule", poke_interval=5)
    with pytest.raises(RescheduleTask) as signal:
        op.execute(make_context(op))
    assert signal.value.reschedule_date <= datetime.now(UTC) + timedelta(seconds=6)


def test_date_time_rejects_text_that_is_not_a_date(make_context):
    op = datetime_sensor("next tuesday")
    with pytest.raises(ValueError, match="ISO 8601"):
        op.poke(make_context(op))


def test_date_time_rejects_other_types():
    with pytest.raises(TypeError, match="int"):
        datetime_sensor(12)


def test_date_time_async_runs_in_reschedule_mode():
    with DAG("d", schedule=None, start_date=START):
        op = DateTimeSensorAsync(task_id="s", target_time=START)
    assert op.mode == "reschedule"
