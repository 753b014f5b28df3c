"""Creating runs on request: manual triggers with conf and a chosen logical date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradewind.contracts.runs import DagRunType
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.run_creation import timetable_of
from tradewind.errors import DagNotFoundError
from tradewind.sdk.params import params_from_dump, resolve_params
from tradewind.server.specs import SpecCache
from tradewind.storage.records import DagRunRecord
from tradewind.storage.sql_store import SqlStore


def trigger_dag_run(
    session: Session,
    specs: SpecCache,
    dag_id: str,
    *,
    now: datetime,
    run_id: str | None = None,
    conf: Mapping[str, Any] | None = None,
    logical_date: datetime | None = None,
    no_logical_date: bool = False,
    note: str | None = None,
    run_type: DagRunType = DagRunType.MANUAL,
) -> DagRunRecord:
    """Queue a run of the DAG's latest version; raises for an unknown DAG or a bad conf.

    Like Airflow, a manual run gets the data interval the timetable infers for its logical
    date (default: now); the scheduler starts it when max_active_runs allows.

    ``no_logical_date`` makes the run Airflow 3 makes when a trigger's logical date is null:
    no logical date and no data interval, ``run_after`` now, and a run id made from it.
    Runs are identified by run id and ordered by ``run_after``, so the scheduler needs no
    logical date; several such runs of one DAG may exist at once.
    """
    spec = specs.latest(session, dag_id)
    if spec is None:
        raise DagNotFoundError(f"DAG {dag_id!r} is not known; is its file in the DAG folder?")
    resolve_params(params_from_dump(spec.params), conf=dict(conf or {}))
    logical: datetime | None = None
    interval: tuple[datetime, datetime] | None = None
    run_after = now
    if no_logical_date:
        if logical_date is not None:
            raise ValueError("Give a logical_date or no_logical_date, not both.")
    else:
        logical = run_after = logical_date or now
        inferred = timetable_of(spec).infer_manual_data_interval(run_after=logical)
        interval = (inferred.start, inferred.end)
    driver = DagRunDriver.create(
        spec,
        SqlStore(session),
        run_id=run_id,
        run_type=run_type,
        logical_date=logical,
        data_interval=interval,
        run_after=run_after,
        conf=dict(conf or {}),
        now=now,
    )
    if note is not None:
        driver.run.note = note
        driver.store.save_dag_run(driver.run)
    return driver.run
