"""DAGs and DAG versions: what the DAG processor records and the scheduler reads."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.storage.repos._locking import skip_locked
from tradewind.storage.rows import DagRow, DagVersionRow


@dataclass
class DagSync:
    """What :func:`upsert_dags` did."""

    #: dag_id → the DAG's latest version (new or unchanged).
    versions: dict[str, DagVersionRow] = field(default_factory=dict)
    #: DAGs that got a new version (new DAGs included).
    new_versions: list[str] = field(default_factory=list)
    #: DAGs of the parsed files that the files no longer define.
    deactivated: list[str] = field(default_factory=list)


def _owners(spec: DagSpec) -> str:
    owners = {task.owner for task in spec.tasks.values()} or {spec.owner}
    return ",".join(sorted(owners))


def _apply_spec(row: DagRow, spec: DagSpec, now: datetime) -> None:
    row.fileloc = spec.fileloc
    row.is_active = True
    row.last_parsed_time = now
    row.description = spec.description
    row.dag_display_name = spec.dag_display_name
    row.schedule_summary = spec.schedule_summary
    row.tags = sorted(spec.tags)
    row.owners = _owners(spec)
    row.max_active_runs = spec.max_active_runs
    row.max_active_tasks = spec.max_active_tasks
    row.max_consecutive_failed_dag_runs = spec.max_consecutive_failed_dag_runs


def upsert_dags(
    *,
    session: Session,
    specs: Sequence[DagSpec],
    sources: Mapping[str, str],
    now: datetime,
    paused_at_creation: bool = True,
) -> DagSync:
    """Record the DAGs parsed from the files in ``sources`` (fileloc → file text).

    A DAG gets a new version only when its spec's hash differs from its latest version's.
    DAGs whose ``fileloc`` is one of these files but that the files no longer define are
    deactivated. New DAGs start paused if their spec says so, else per ``paused_at_creation``.
    Two processors recording the same new version at once: one fails on the unique
    (dag_id, version_number); retry its transaction.
    """
    sync = DagSync()
    dag_ids = [spec.dag_id for spec in specs]
    existing = {
        row.dag_id: row for row in session.scalars(select(DagRow).where(DagRow.dag_id.in_(dag_ids)))
    }
    latest = list_latest_dag_versions(session=session, dag_ids=dag_ids)
    for spec in specs:
        row = existing.get(spec.dag_id)
        if row is None:
            paused = spec.is_paused_upon_creation
            row = DagRow(
                dag_id=spec.dag_id, is_paused=paused_at_creation if paused is None else paused
            )
            session.add(row)
        _apply_spec(row, spec, now)
        version = latest.get(spec.dag_id)
        if version is None or version.version_hash != spec.version_hash:
            version = DagVersionRow(
                dag_id=spec.dag_id,
                version_number=(version.version_number + 1) if version else 1,
                version_hash=spec.version_hash,
                spec_json=spec.to_json(),
                source_code=sources.get(spec.fileloc, ""),
                fileloc=spec.fileloc,
                created_at=now,
            )
            session.add(version)
            sync.new_versions.append(spec.dag_id)
        sync.versions[spec.dag_id] = version
    session.flush()
    if sources:
        dropped = select(DagRow.dag_id).where(
            DagRow.fileloc.in_(list(sources)), DagRow.is_active, DagRow.dag_id.not_in(dag_ids)
        )
        sync.deactivated = _deactivate(session, list(session.scalars(dropped)))
    return sync


def _deactivate(session: Session, dag_ids: list[str]) -> list[str]:
    if dag_ids:
        session.execute(update(DagRow).where(DagRow.dag_id.in_(dag_ids)).values(is_active=False))
    return sorted(dag_ids)


def deactivate_dags_of_missing_files(*, session: Session, filelocs: Collection[str]) -> list[str]:
    """Deactivate the active DAGs whose file is not among ``filelocs`` (the files there are)."""
    gone = select(DagRow.dag_id).where(DagRow.is_active, DagRow.fileloc.not_in(list(filelocs)))
    return _deactivate(session, list(session.scalars(gone)))


def get_dag(*, session: Session, dag_id: str) -> DagRow | None:
    return session.get(DagRow, dag_id)


def list_dags(
    *,
    session: Session,
    dag_ids: Collection[str] | None = None,
    active: bool | None = True,
    paused: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[DagRow]:
    """DAGs ordered by dag_id; ``None`` for a filter means either."""
    stmt = select(DagRow).order_by(DagRow.dag_id).offset(offset).limit(limit)
    if dag_ids is not None:
        stmt = stmt.where(DagRow.dag_id.in_(list(dag_ids)))
    if active is not None:
        stmt = stmt.where(DagRow.is_active == active)
    if paused is not None:
        stmt = stmt.where(DagRow.is_paused == paused)
    return list(session.scalars(stmt))


def update_dags_paused(*, session: Session, dag_ids: Collection[str], is_paused: bool) -> int:
    """Pause or unpause DAGs; returns how many exist."""
    result = session.execute(
        update(DagRow).where(DagRow.dag_id.in_(list(dag_ids))).values(is_paused=is_paused)
    )
    return int(getattr(result, "rowcount", 0))


def update_dag_next_run(
    *,
    session: Session,
    dag_id: str,
    next_dagrun: datetime | None,
    data_interval: tuple[datetime, datetime] | None,
    create_after: datetime | None,
) -> None:
    """Record when the DAG's next scheduled run is due (all None: no more runs)."""
    session.execute(
        update(DagRow)
        .where(DagRow.dag_id == dag_id)
        .values(
            next_dagrun=next_dagrun,
            next_dagrun_data_interval_start=data_interval[0] if data_interval else None,
            next_dagrun_data_interval_end=data_interval[1] if data_interval else None,
            next_dagrun_create_after=create_after,
        )
    )


def list_dags_needing_runs(
    *, session: Session, now: datetime, limit: int, lock: bool = True
) -> list[DagRow]:
    """Active, unpaused DAGs whose next run is due, locked (skip locked) for one scheduler."""
    stmt = (
        select(DagRow)
        .where(DagRow.is_active, ~DagRow.is_paused, DagRow.next_dagrun_create_after <= now)
        .order_by(DagRow.next_dagrun_create_after)
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock)))


# -- versions ------------------------------------------------------------------------------


def list_latest_dag_versions(
    *, session: Session, dag_ids: Collection[str]
) -> dict[str, DagVersionRow]:
    """dag_id → its latest version, for the DAGs that have one."""
    newest = (
        select(DagVersionRow.dag_id, func.max(DagVersionRow.version_number).label("number"))
        .where(DagVersionRow.dag_id.in_(list(dag_ids)))
        .group_by(DagVersionRow.dag_id)
        .subquery()
    )
    stmt = select(DagVersionRow).join(
        newest,
        (DagVersionRow.dag_id == newest.c.dag_id)
        & (DagVersionRow.version_number == newest.c.number),
    )
    return {row.dag_id: row for row in session.scalars(stmt)}


def get_latest_version_hash(*, session: Session, dag_id: str) -> str | None:
    """The hash of the DAG's latest version (one row's key, not its spec)."""
    return session.scalar(
        select(DagVersionRow.version_hash)
        .where(DagVersionRow.dag_id == dag_id)
        .order_by(DagVersionRow.version_number.desc())
        .limit(1)
    )


def get_dag_version(*, session: Session, dag_id: str, version_hash: str) -> DagVersionRow | None:
    """The (newest) version of ``dag_id`` with this hash: what a workload names."""
    return session.scalars(
        select(DagVersionRow)
        .where(DagVersionRow.dag_id == dag_id, DagVersionRow.version_hash == version_hash)
        .order_by(DagVersionRow.version_number.desc())
        .limit(1)
    ).first()


def list_dag_versions(*, session: Session, dag_id: str) -> list[DagVersionRow]:
    """Every version of ``dag_id``, oldest first."""
    return list(
        session.scalars(
            select(DagVersionRow)
            .where(DagVersionRow.dag_id == dag_id)
            .order_by(DagVersionRow.version_number)
        )
    )
