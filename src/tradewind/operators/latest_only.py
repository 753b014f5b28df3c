"""``LatestOnlyOperator``: let only the most recent scheduled run do the work below it.

A scheduled (or backfilled) run is the latest while the run after it is not yet due:
``this.start < now <= next.end``, where ``this`` is the run's data interval and ``next`` the
data interval of the run the timetable schedules after it. Comparing with the *end* of the
next interval makes the test work for point-in-time schedules too (Airflow 3's default cron
and timedelta schedules, whose intervals are empty), as Airflow 3 does. A run without a data
interval counts as the instant of its logical date (or ``run_after``).

Older runs (catch-up, backfills, runs that started very late) skip the direct downstream
tasks; trigger rules decide about the tasks after them. Manual runs, and DAGs whose timetable
schedules nothing after this run (``schedule=None``, ``@once``, asset schedules), proceed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tradewind.errors import TaskOutsideDagError
from tradewind.operators.branch import BaseBranchOperator, BranchChoice
from tradewind.timetables import DataInterval, TimeRestriction

__all__ = ["LatestOnlyOperator"]

log = logging.getLogger(__name__)

_MANUAL = "manual"


def _run_attribute(dag_run: Any, name: str) -> Any:
    if isinstance(dag_run, Mapping):
        return dag_run.get(name)
    return getattr(dag_run, name, None)


def _is_manual(dag_run: Any) -> bool:
    run_type = _run_attribute(dag_run, "run_type")
    if run_type is not None:
        return str(run_type) == _MANUAL
    # Airflow 2's flag, for contexts built that way.
    return bool(_run_attribute(dag_run, "external_trigger"))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _data_interval(context: Any, dag_run: Any) -> DataInterval | None:
    """The run's data interval, or the instant of its date when it has none."""
    start = context.get("data_interval_start") or _run_attribute(dag_run, "data_interval_start")
    end = context.get("data_interval_end") or _run_attribute(dag_run, "data_interval_end")
    if start is not None and end is not None:
        return DataInterval(_aware(start), _aware(end))
    moment = (
        context.get("logical_date")
        or _run_attribute(dag_run, "logical_date")
        or _run_attribute(dag_run, "run_after")
    )
    return DataInterval.exact(_aware(moment)) if moment is not None else None


class LatestOnlyOperator(BaseBranchOperator):
    """Skip the direct downstream tasks unless this is the latest scheduled run."""

    ui_color = "#e9ffdb"

    def choose_branch(self, context: Any) -> BranchChoice:
        everything = sorted(self.downstream_task_ids)
        dag_run = context.get("dag_run")
        if _is_manual(dag_run):
            log.info("Manually triggered run: allowing execution to proceed.")
            return everything
        this = _data_interval(context, dag_run)
        if this is None:
            log.info("The run has no data interval nor date: allowing execution to proceed.")
            return everything
        dag = self.dag
        if dag is None:
            raise TaskOutsideDagError(f"Task {self.task_id!r} is not part of any DAG.")
        now = datetime.now(UTC)
        next_run = dag.timetable.next_run_info(
            last_automated_data_interval=this,
            restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
            now=now,
        )
        if next_run is None:
            log.info("No scheduled run follows this one: allowing execution to proceed.")
            return everything
        left, right = this.start, next_run.data_interval.end
        log.info(
            "Checking latest only: window %s to %s, now %s",
            left.isoformat(),
            right.isoformat(),
            now.isoformat(),
        )
        if left < now <= right:
            log.info("Latest run: allowing execution to proceed.")
            return everything
        log.info("Not the latest run: skipping the direct downstream tasks.")
        return []
