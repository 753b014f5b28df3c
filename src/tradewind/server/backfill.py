"""Backfill: runs of type ``backfill`` for every logical date the DAG's schedule gives in a range.

As in Airflow 3: the dates are those of the DAG's timetable whose logical date lies in
[start, end] (both inclusive, the first aligned to the schedule) and whose data interval has
ended; the DAG's own start and end dates do not narrow them. A date that has a run already is
handled per ``reprocess``:

- ``none``: the run is left as it is;
- ``failed``: a failed run is cleared and runs again (a successful one is left);
- ``completed``: every finished run is cleared and runs again.

A run still queued or running is never touched. Clearing a run clears all its task
instances and queues it (``server.run_operations.clear_task_instances``).

At most ``max_active_runs`` runs of the backfill (default: the DAG's ``max_active_runs``)
are active at once: :func:`advance_backfill` creates (or clears) the next runs as earlier
ones finish, so whoever drives the backfill calls it until every run has finished — the
``dags backfill`` command does. A scheduler runs the runs themselves, like any other; the
DAG's own ``max_active_runs`` still caps how many of all its runs the scheduler starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import TERMINAL_RUN_STATES, DagRunState
from tradewind.core.dagrun import DagRunDriver, make_run_id
from tradewind.core.run_creation import timetable_of
from tradewind.errors import DagRunAlreadyExistsError, TradewindError
from tradewind.sdk.params import params_from_dump, resolve_params
from tradewind.server.run_operations import clear_task_instances
from tradewind.server.specs import SpecCache
from tradewind.storage.repos import dag_runs as run_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import run_history
from tradewind.storage.sql_store import SqlStore
from tradewind.timetables import DataInterval, NextRunInfo, TimeRestriction

__all__ = [
    "Action",
    "BackfillDate",
    "BackfillError",
    "BackfillPlan",
    "Reprocess",
    "advance_backfill",
    "backfill",
    "backfill_dates",
    "backfill_states",
    "plan_backfill",
    "start_backfill_date",
]

#: More dates than this is a typo in --start or --end, not a backfill.
MAX_DATES = 100_000


class BackfillError(TradewindError):
    """A backfill that cannot be made (no time-based schedule, bad range, paused DAG)."""


class Reprocess(StrEnum):
    """What a backfill does with a date that has a finished run already."""

    NONE = "none"
    FAILED = "failed"
    COMPLETED = "completed"

    def __str__(self) -> str:
        return self.value


class Action(StrEnum):
    CREATE = "create"
    CLEAR = "clear"
    SKIP = "skip"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class BackfillDate:
    """One logical date of a backfill and what the backfill does about it."""

    logical_date: datetime
    data_interval: DataInterval
    run_after: datetime
    #: The run of this date: the existing one, or the one to create.
    run_id: str
    action: Action
    #: Why a date is skipped, or the state of the run that is cleared.
    reason: str | None = None


@dataclass
class BackfillPlan:
    dag_id: str
    dates: list[BackfillDate]
    max_active_runs: int
    conf: dict[str, Any] = field(default_factory=dict)
    #: Run ids created or cleared so far.
    started: list[str] = field(default_factory=list)

    @property
    def run_ids(self) -> list[str]:
        """The runs the backfill runs (not the dates it skips), in the order it starts them."""
        return [date.run_id for date in self.dates if date.action is not Action.SKIP]

    @property
    def pending(self) -> list[BackfillDate]:
        started = set(self.started)
        return [d for d in self.dates if d.action is not Action.SKIP and d.run_id not in started]


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise BackfillError(f"The backfill's {name} date must have a time zone.")
    return value.astimezone(UTC)


def backfill_dates(
    spec: DagSpec, *, start: datetime, end: datetime, now: datetime
) -> list[NextRunInfo]:
    """The runs the DAG's timetable gives with a logical date in [start, end], ended by ``now``."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise BackfillError(
            f"The backfill ends ({end.isoformat()}) before it starts ({start.isoformat()}); "
            "swap --start and --end."
        )
    timetable = timetable_of(spec)
    if not timetable.can_be_scheduled or not timetable.periodic:
        raise BackfillError(
            f"DAG {spec.dag_id!r} has no time-based schedule (schedule: {spec.schedule_summary}), "
            f"so there are no dates to backfill; trigger runs with `tradewind dags trigger "
            f"{spec.dag_id} --logical-date …` instead."
        )
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    infos: list[NextRunInfo] = []
    last: DataInterval | None = None
    while True:
        info = timetable.next_run_info(
            last_automated_data_interval=last, restriction=restriction, now=now
        )
        if info is None or info.logical_date > end or info.run_after > now:
            return infos
        if last is not None and info.data_interval.end <= last.end:
            return infos  # a timetable that does not move forward
        infos.append(info)
        if len(infos) > MAX_DATES:
            raise BackfillError(
                f"The range {start.isoformat()} to {end.isoformat()} holds more than "
                f"{MAX_DATES} runs of {spec.dag_id!r}; backfill a shorter range."
            )
        last = info.data_interval


def plan_backfill(
    session: Session,
    specs: SpecCache,
    dag_id: str,
    *,
    start: datetime,
    end: datetime,
    reprocess: Reprocess = Reprocess.NONE,
    max_active_runs: int | None = None,
    conf: Mapping[str, Any] | None = None,
    run_backwards: bool = False,
    now: datetime | None = None,
) -> BackfillPlan:
    """Which dates the backfill covers and what it does with each; changes nothing."""
    now = now or datetime.now(UTC)
    spec = specs.latest(session, dag_id)
    if spec is None:
        raise BackfillError(
            f"DAG {dag_id!r} is not in the database; is its file in the DAG folder, and has "
            "the DAG processor parsed it? `tradewind dags list` shows the DAGs known."
        )
    if max_active_runs is not None and max_active_runs < 1:
        raise BackfillError("--max-active-runs must be at least 1.")
    if run_backwards and any(task.depends_on_past for task in spec.tasks.values()):
        raise BackfillError(
            f"DAG {dag_id!r} has tasks with depends_on_past=True, which wait for the previous "
            "date's run: backfill it forwards (without run_backwards)."
        )
    resolve_params(params_from_dump(spec.params), conf=dict(conf or {}))
    infos = backfill_dates(spec, start=start, end=end, now=now)
    if run_backwards:
        infos.reverse()
    existing = run_history.list_dag_runs_at(
        session=session, dag_id=dag_id, logical_dates=[info.logical_date for info in infos]
    )
    dates = []
    for info in infos:
        run = existing.get(info.logical_date)
        if run is None:
            action, reason = Action.CREATE, None
            run_id = make_run_id(DagRunType.BACKFILL, info.logical_date)
        else:
            run_id = run.run_id
            action, reason = _existing(run.state, reprocess)
        dates.append(
            BackfillDate(
                logical_date=info.logical_date,
                data_interval=info.data_interval,
                run_after=info.run_after,
                run_id=run_id,
                action=action,
                reason=reason,
            )
        )
    return BackfillPlan(
        dag_id=dag_id,
        dates=dates,
        max_active_runs=max_active_runs or spec.max_active_runs,
        conf=dict(conf or {}),
    )


def _existing(state: DagRunState, reprocess: Reprocess) -> tuple[Action, str]:
    if state not in TERMINAL_RUN_STATES:
        return Action.SKIP, f"a run is {state}"
    if reprocess is Reprocess.COMPLETED or (
        reprocess is Reprocess.FAILED and state is DagRunState.FAILED
    ):
        return Action.CLEAR, f"reprocess a {state} run"
    return Action.SKIP, f"a run exists ({state})"


def backfill_states(session: Session, plan: BackfillPlan) -> dict[str, DagRunState]:
    """run_id → state of the backfill's runs started so far."""
    if not plan.started:
        return {}
    rows = run_history.list_dag_runs_between(
        session=session, dag_id=plan.dag_id, run_ids=plan.started
    )
    return {row.run_id: row.state for row in rows}


def start_backfill_date(
    session: Session,
    specs: SpecCache,
    spec: DagSpec,
    date: BackfillDate,
    *,
    conf: Mapping[str, Any],
    now: datetime,
    store: SqlStore | None = None,
) -> bool:
    """Create the date's run, or clear its finished run; False when there is nothing to do
    (the run is gone or active again, or a run of that date appeared since planning)."""
    if date.action is Action.CREATE:
        try:
            DagRunDriver.create(
                spec,
                store or SqlStore(session),
                run_id=date.run_id,
                run_type=DagRunType.BACKFILL,
                logical_date=date.logical_date,
                data_interval=(date.data_interval.start, date.data_interval.end),
                run_after=date.run_after,
                conf=dict(conf),
                now=now,
            )
        except DagRunAlreadyExistsError:
            return False  # the insert did nothing: made meanwhile (a scheduled run, a trigger)
        return True
    run = run_repo.get_dag_run(session=session, dag_id=spec.dag_id, run_id=date.run_id)
    if run is None or run.state not in TERMINAL_RUN_STATES:
        return False
    clear_task_instances(session, specs, spec.dag_id, date.run_id, None, now=now)
    return True


def advance_backfill(
    session: Session, specs: SpecCache, plan: BackfillPlan, *, now: datetime | None = None
) -> list[str]:
    """Create or clear the next runs while fewer than ``max_active_runs`` are active.

    Returns the run ids started by this call. Call it again as runs finish.
    """
    now = now or datetime.now(UTC)
    states = backfill_states(session, plan)
    active = sum(1 for state in states.values() if state not in TERMINAL_RUN_STATES)
    started: list[str] = []
    pending = plan.pending[: max(plan.max_active_runs - active, 0)]
    if not pending:
        return started
    spec = specs.latest(session, plan.dag_id)
    if spec is None:
        raise BackfillError(f"DAG {plan.dag_id!r} was deleted while it was being backfilled.")
    for date in pending:
        plan.started.append(date.run_id)  # done, or nothing to do: not tried again
        if start_backfill_date(session, specs, spec, date, conf=plan.conf, now=now):
            started.append(date.run_id)
    return started


def backfill(
    session: Session,
    specs: SpecCache,
    dag_id: str,
    *,
    start: datetime,
    end: datetime,
    reprocess: Reprocess = Reprocess.NONE,
    max_active_runs: int | None = None,
    dry_run: bool = False,
    conf: Mapping[str, Any] | None = None,
    run_backwards: bool = False,
    now: datetime | None = None,
) -> BackfillPlan:
    """Plan a backfill and, unless ``dry_run``, start its first ``max_active_runs`` runs.

    A paused DAG is refused (the scheduler would not run its runs): unpause it first. Keep
    calling :func:`advance_backfill` until :func:`backfill_states` shows every run finished.
    """
    now = now or datetime.now(UTC)
    plan = plan_backfill(
        session,
        specs,
        dag_id,
        start=start,
        end=end,
        reprocess=reprocess,
        max_active_runs=max_active_runs,
        conf=conf,
        run_backwards=run_backwards,
        now=now,
    )
    if dry_run:
        return plan
    dag = dag_repo.get_dag(session=session, dag_id=dag_id)
    if dag is not None and dag.is_paused and plan.run_ids:
        raise BackfillError(
            f"DAG {dag_id!r} is paused, so no scheduler would run its backfill runs; "
            f"unpause it first: `tradewind dags unpause {dag_id}`."
        )
    advance_backfill(session, specs, plan, now=now)
    return plan
