"""``BaseSensorOperator``: a task that waits until a condition holds.

A sensor calls :meth:`BaseSensorOperator.poke` until it returns a truthy value (or a
:class:`PokeReturnValue` that is done), waiting ``poke_interval`` seconds between pokes.

* ``mode="poke"`` keeps the worker slot and sleeps between pokes inside the task.
* ``mode="reschedule"`` frees the slot: the task raises :class:`RescheduleTask` and the engine
  runs it again at the next poke time. Its timeout counts from the first poke of the try
  (``ti.reschedule_start_date``).

When ``timeout`` seconds pass without success the sensor fails with :class:`SensorTimeout`
(no retries), or ends as skipped with ``soft_fail``. ``exponential_backoff`` doubles the wait
after every poke, with jitter so that many sensors started together spread out, capped by
``max_wait``. A sensor never sleeps past its timeout, nor past the moment it knows its
condition will hold (:meth:`BaseSensorOperator._seconds_until_ready`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from tradewind.exceptions import FailTask, RescheduleTask, SensorTimeout, SkipTask, TaskTimeout
from tradewind.sdk.baseoperator import BaseOperator

__all__ = [
    "DEFAULT_POKE_INTERVAL",
    "DEFAULT_TIMEOUT",
    "BaseSensorOperator",
    "PokeReturnValue",
    "backoff_interval",
    "deferrable_mode",
    "pokes_before",
]

log = logging.getLogger(__name__)

DEFAULT_POKE_INTERVAL = 60.0
DEFAULT_TIMEOUT = timedelta(days=7).total_seconds()
# Beyond this many doublings the wait is astronomically long anyway; the cap keeps the
# arithmetic in floats.
_MAX_DOUBLINGS = 60


@dataclass(frozen=True, slots=True)
class PokeReturnValue:
    """What ``poke`` may return: whether the sensor is done, and the XCom value to push."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return bool(self.is_done)


def _seconds(name: str, value: object) -> float:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise TypeError(f"{name} must be a number of seconds or a timedelta, got {value!r}.")
    if seconds < 0 or math.isnan(seconds):
        raise ValueError(f"{name} must not be negative, got {value!r}.")
    return seconds


def backoff_interval(poke_interval: float, poke_number: int, seed: str) -> float:
    """The wait after poke ``poke_number`` (1-based) with exponential backoff.

    It lies in ``[p·2^(n-1), p·2^n)`` for ``p = poke_interval``: doubling each time, with a
    jitter taken from ``seed`` (stable for one task's poke, different across tasks and runs).
    """
    base = poke_interval * 2.0 ** min(max(poke_number, 1) - 1, _MAX_DOUBLINGS)
    digest = hashlib.sha256(f"{seed}#{poke_number}".encode()).digest()
    jitter = int.from_bytes(digest[:8], "big") / 2.0**64  # in [0, 1)
    return base * (1.0 + jitter)


def pokes_before(elapsed: float, poke_interval: float) -> int:
    """How many pokes a backoff sensor has made after ``elapsed`` seconds (at least 1).

    Reschedule mode keeps no count across runs of the task; with waits of ``p·2^(k-1)``, the
    ``n``-th poke happens about ``p·(2^(n-1) - 1)`` seconds after the first.
    """
    if poke_interval <= 0 or elapsed <= 0:
        return 1
    return int(math.log2(elapsed / poke_interval + 1)) + 1


def deferrable_mode(mode: str, deferrable: bool) -> str:
    """The mode for a sensor given Airflow's ``deferrable`` flag.

    Tradewind runs no triggerer; reschedule mode is the nearest behaviour, as it also frees
    the worker slot while the sensor waits.
    """
    return "reschedule" if deferrable else mode


class BaseSensorOperator(BaseOperator):
    """Base of sensors: subclasses implement :meth:`poke` (see the module docstring).

    * ``poke_interval`` (seconds or timedelta, default 60): the wait between pokes.
    * ``timeout`` (seconds or timedelta, default 7 days): how long to wait in all.
    * ``soft_fail``: end as skipped instead of failed on timeout (or when ``poke`` raises
      :class:`FailTask`, :class:`SensorTimeout` or :class:`TaskTimeout`).
    * ``silent_fail``: an error raised by ``poke`` is logged and counts as "not yet".
    * ``never_fail``: any error raised by ``poke`` ends the task as skipped.
    """

    ui_color = "#e6f1f2"
    valid_modes: ClassVar[tuple[str, ...]] = ("poke", "reschedule")

    def __init__(
        self,
        *,
        poke_interval: float | timedelta = DEFAULT_POKE_INTERVAL,
        timeout: float | timedelta = DEFAULT_TIMEOUT,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: float | timedelta | None = None,
        silent_fail: bool = False,
        never_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.poke_interval = _seconds(f"poke_interval of sensor {self.task_id!r}", poke_interval)
        self.timeout = _seconds(f"timeout of sensor {self.task_id!r}", timeout)
        self.max_wait = (
            _seconds(f"max_wait of sensor {self.task_id!r}", max_wait)
            if max_wait is not None
            else None
        )
        if mode not in self.valid_modes:
            raise ValueError(
                f"mode of sensor {self.task_id!r} must be one of "
                f"{', '.join(self.valid_modes)}; got {mode!r}."
            )
        if soft_fail and never_fail:
            raise ValueError(
                f"Sensor {self.task_id!r} sets both soft_fail and never_fail; choose one."
            )
        self.mode = mode
        self.soft_fail = soft_fail
        self.silent_fail = silent_fail
        self.never_fail = never_fail
        self.exponential_backoff = exponential_backoff

    @property
    def reschedule(self) -> bool:
        """Whether the sensor frees its worker slot between pokes."""
        return self.mode == "reschedule"

    def poke(self, context: Any) -> bool | PokeReturnValue:
        """Check the condition once: truthy (or a done :class:`PokeReturnValue`) ends the wait."""
        raise NotImplementedError(f"{type(self).__name__} must implement poke(context).")

    def _seconds_until_ready(self, context: Any) -> float | None:
        """Seconds until the condition is known to hold, for sensors that wait for a time.

        The next poke happens no later than that, so time sensors finish on time even with a
        long ``poke_interval``. ``None`` (the default) means "unknown".
        """
        return None

    # -- running -------------------------------------------------------------------------

    def execute(self, context: Any) -> Any:
        elapsed = self._elapsed_clock(context)
        poke_number = 1
        while True:
            result = self._poke_once(context)
            if result:
                log.info("Success criteria met. Exiting.")
                return result.xcom_value if isinstance(result, PokeReturnValue) else None
            waited = elapsed()
            if waited >= self.timeout:
                self._time_out(waited)
            if self.reschedule:
                poke_number = pokes_before(waited, self.poke_interval)
            delay = self._next_interval(context, poke_number, waited)
            if self.reschedule:
                when = datetime.now(UTC) + timedelta(seconds=delay)
                log.info("Rescheduling; next poke at %s", when.isoformat())
                raise RescheduleTask(when)
            time.sleep(delay)
            poke_number += 1

    def _elapsed_clock(self, context: Any) -> Callable[[], float]:
        """A function returning the seconds this sensor has waited so far."""
        if not self.reschedule:
            started = time.monotonic()
            return lambda: time.monotonic() - started
        ti = context["ti"]
        first_poke = getattr(ti, "reschedule_start_date", None) or getattr(ti, "start_date", None)
        if first_poke is None:
            first_poke = datetime.now(UTC)
        return lambda: (datetime.now(UTC) - first_poke).total_seconds()

    def _poke_once(self, context: Any) -> bool | PokeReturnValue:
        try:
            return self.poke(context)
        except (FailTask, TaskTimeout) as exc:
            if self.soft_fail or self.never_fail:
                flag = "soft_fail" if self.soft_fail else "never_fail"
                raise SkipTask(f"Skipping because {flag} is set: {exc}") from exc
            raise
        except Exception as exc:
            if self.silent_fail:
                log.exception("Sensor poke failed; silent_fail is set, so poking goes on")
                return False
            if self.never_fail:
                raise SkipTask(f"Skipping because never_fail is set: {exc}") from exc
            raise

    def _time_out(self, waited: float) -> None:
        message = (
            f"Sensor {self.task_id!r} timed out: its condition still did not hold after "
            f"{waited:.1f} s, past its timeout of {self.timeout:g} s."
        )
        if self.soft_fail:
            raise SkipTask(message)
        raise SensorTimeout(message)

    def _next_interval(self, context: Any, poke_number: int, waited: float) -> float:
        if self.exponential_backoff:
            map_index = getattr(context.get("ti"), "map_index", -1)
            seed = f"{self.dag_id}#{self.task_id}#{context.get('run_id')}#{map_index}"
            interval = backoff_interval(self.poke_interval, poke_number, seed)
            if self.max_wait is not None:
                interval = min(interval, self.max_wait)
        else:
            interval = self.poke_interval
        ready_in = self._seconds_until_ready(context)
        if ready_in is not None:
            interval = min(interval, ready_in)
        # One last poke exactly at the timeout, rather than sleeping past it.
        return max(0.0, min(interval, self.timeout - waited))
