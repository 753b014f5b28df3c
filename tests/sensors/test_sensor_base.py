from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind.exceptions import FailTask, RescheduleTask, SensorTimeout, SkipTask
from tradewind.sdk import DAG
from tradewind.sensors.base import (
    BaseSensorOperator,
    PokeReturnValue,
    backoff_interval,
    pokes_before,
)

START = datetime(2024, 1, 1, tzinfo=UTC)


class ScriptedSensor(BaseSensorOperator):
    """Answers each poke from a script; a callable entry is called (and may raise)."""

    def __init__(self, *, script: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = script
        self.pokes = 0

    def poke(self, context: Any) -> Any:
        answer = self.script[min(self.pokes, len(self.script) - 1)]
        self.pokes += 1
        return answer() if callable(answer) else answer


def sensor(script: list[Any], **kwargs: Any) -> ScriptedSensor:
    kwargs.setdefault("poke_interval", 0.01)
    with DAG("d", schedule=None, start_date=START):
        return ScriptedSensor(task_id="s", script=script, **kwargs)


def raiser(error: BaseException) -> Callable[[], Any]:
    def fail() -> Any:
        raise error

    return fail


def test_sensor_done_on_first_poke_returns_none(make_context):
    op = sensor([True])
    assert op.execute(make_context(op)) is None
    assert op.pokes == 1


def test_poke_mode_pokes_until_done(make_context):
    op = sensor([False, False, True])
    op.execute(make_context(op))
    assert op.pokes == 3


def test_poke_return_value_xcom_is_the_result(make_context):
    op = sensor([PokeReturnValue(False, "ignored"), PokeReturnValue(True, {"rows": 3})])
    assert op.execute(make_context(op)) == {"rows": 3}
    assert op.pokes == 2


def test_poke_return_value_is_truthy_only_when_done():
    assert bool(PokeReturnValue(True)) is True
    assert bool(PokeReturnValue(False, xcom_value="x")) is False


def test_timeout_raises_sensor_timeout(make_context):
    op = sensor([False], timeout=0.05)
    started = time.monotonic()
    with pytest.raises(SensorTimeout, match="timed out"):
        op.execute(make_context(op))
    assert 0.05 <= time.monotonic() - started < 1


def test_timeout_with_soft_fail_skips(make_context):
    op = sensor([False], timeout=0.03, soft_fail=True)
    with pytest.raises(SkipTask, match="timed out"):
        op.execute(make_context(op))


def test_sensor_never_sleeps_past_its_timeout(make_context):
    op = sensor([False], timeout=0.2, poke_interval=30)
    started = time.monotonic()
    with pytest.raises(SensorTimeout):
        op.execute(make_context(op))
    assert time.monotonic() - started < 1
    assert op.pokes == 2  # the first poke, and a last one at the timeout


def test_zero_timeout_pokes_once(make_context):
    op = sensor([False], timeout=0)
    with pytest.raises(SensorTimeout):
        op.execute(make_context(op))
    assert op.pokes == 1


def test_fail_task_from_poke_fails(make_context):
    op = sensor([raiser(FailTask("no"))])
    with pytest.raises(FailTask):
        op.execute(make_context(op))


def test_fail_task_from_poke_skips_with_soft_fail(make_context):
    op = sensor([raiser(FailTask("no"))], soft_fail=True)
    with pytest.raises(SkipTask, match="soft_fail"):
        op.execute(make_context(op))


def test_error_from_poke_fails_even_with_soft_fail(make_context):
    op = sensor([raiser(ValueError("broken"))], soft_fail=True)
    with pytest.raises(ValueError, match="broken"):
        op.execute(make_context(op))


def test_error_from_poke_counts_as_not_yet_with_silent_fail(make_context):
    op = sensor([raiser(ValueError("flaky")), True], silent_fail=True)
    op.execute(make_context(op))
    assert op.pokes == 2


def test_error_from_poke_skips_with_never_fail(make_context):
    op = sensor([raiser(ValueError("broken"))], never_fail=True)
    with pytest.raises(SkipTask, match="never_fail"):
        op.execute(make_context(op))


def test_skip_from_poke_is_not_converted(make_context):
    op = sensor([raiser(SkipTask("bye"))], never_fail=True)
    with pytest.raises(SkipTask, match="bye"):
        op.execute(make_context(op))


def test_soft_fail_and_never_fail_together_are_rejected():
    with pytest.raises(ValueError, match="soft_fail and never_fail"):
        sensor([True], soft_fail=True, never_fail=True)


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="poke, reschedule"):
        sensor([True], mode="defer")


def test_intervals_accept_timedeltas():
    op = sensor([True], poke_interval=timedelta(minutes=1), timeout=timedelta(hours=1))
    assert (op.poke_interval, op.timeout) == (60.0, 3600.0)


def test_defaults_are_a_minute_and_a_week():
    with DAG("d", schedule=None, start_date=START):
        op = ScriptedSensor(task_id="s", script=[True])
    assert (op.poke_interval, op.timeout, op.mode) == (60.0, 7 * 24 * 3600.0, "poke")


def test_negative_poke_interval_is_rejected():
    with pytest.raises(ValueError, match="poke_interval"):
        sensor([True], poke_interval=-1)


def test_boolean_timeout_is_rejected():
    with pytest.raises(TypeError, match="timeout"):
        sensor([True], timeout=True)


def test_reschedule_mode_raises_reschedule_at_the_next_poke_time(make_context):
    op = sensor([False], mode="reschedule", poke_interval=30)
    before = datetime.now(UTC)
    with pytest.raises(RescheduleTask) as signal:
        op.execute(make_context(op))
    wait = signal.value.reschedule_date - before
    assert timedelta(seconds=29) < wait <= timedelta(seconds=31)
    assert op.pokes == 1


def test_reschedule_mode_done_returns_the_xcom(make_context):
    op = sensor([PokeReturnValue(True, 7)], mode="reschedule")
    assert op.execute(make_context(op)) == 7


def test_reschedule_mode_times_out_from_the_first_poke(make_context, make_ti):
    op = sensor([False], mode="reschedule", timeout=3600)
    ti = make_ti(reschedule_start_date=datetime.now(UTC) - timedelta(hours=2))
    with pytest.raises(SensorTimeout):
        op.execute(make_context(op, ti))


def test_reschedule_mode_timeout_with_soft_fail_skips(make_context, make_ti):
    op = sensor([False], mode="reschedule", timeout=60, soft_fail=True)
    ti = make_ti(reschedule_start_date=datetime.now(UTC) - timedelta(minutes=2))
    with pytest.raises(SkipTask):
        op.execute(make_context(op, ti))


def test_reschedule_is_not_later_than_the_timeout(make_context, make_ti):
    op = sensor([False], mode="reschedule", timeout=60, poke_interval=30)
    now = datetime.now(UTC)
    ti = make_ti(reschedule_start_date=now - timedelta(seconds=50))
    with pytest.raises(RescheduleTask) as signal:
        op.execute(make_context(op, ti))
    assert signal.value.reschedule_date - now <= timedelta(seconds=10.5)


@pytest.mark.parametrize("poke_number", range(1, 12))
def test_backoff_interval_doubles_within_bounds(poke_number):
    interval = backoff_interval(2.0, poke_number, "d#s#run")
    assert 2.0 * 2 ** (poke_number - 1) <= interval < 2.0 * 2**poke_number


def test_backoff_interval_is_stable_for_a_seed_and_differs_across_seeds():
    assert backoff_interval(10, 3, "a") == backoff_interval(10, 3, "a")
    assert len({backoff_interval(10, 3, seed) for seed in "abcdefgh"}) > 1


def test_backoff_interval_stays_finite_for_huge_poke_numbers():
    assert backoff_interval(60, 10_000, "x") < float("inf")


def test_pokes_before_inverts_doubling_waits():
    assert [pokes_before(e, 1.0) for e in (0, 1, 3, 7, 15)] == [1, 2, 3, 4, 5]


def test_exponential_backoff_waits_grow_in_poke_mode(make_context):
    op = sensor([False, False, False, True], poke_interval=0.02, exponential_backoff=True)
    started = time.monotonic()
    op.execute(make_context(op))
    elapsed = time.monotonic() - started
    assert 0.02 + 0.04 + 0.08 <= elapsed < 0.04 + 0.08 + 0.16 + 0.5


def test_exponential_backoff_in_reschedule_mode_uses_the_time_waited(make_context, make_ti):
    op = sensor([False], mode="reschedule", poke_interval=1, exponential_backoff=True)
    now = datetime.now(UTC)
    ti = make_ti(reschedule_start_date=now - timedelta(seconds=7))  # about 4 pokes so far
    with pytest.raises(RescheduleTask) as signal:
        op.execute(make_context(op, ti))
    wait = (signal.value.reschedule_date - now).total_seconds()
    assert 8 <= wait < 16.5


def test_max_wait_caps_exponential_backoff(make_context, make_ti):
    op = sensor(
        [False],
        mode="reschedule",
        poke_interval=60,
        exponential_backoff=True,
        max_wait=timedelta(seconds=5),
    )
    before = datetime.now(UTC)
    with pytest.raises(RescheduleTask) as signal:
        op.execute(make_context(op))
    assert signal.value.reschedule_date - before <= timedelta(seconds=5.5)
