"""Assets: recorded from the DAG specs the DAG processor stores, read by the API.

An asset is one (name, uri) pair. :func:`sync_dag_assets` records the assets the given DAGs
mention (schedule, task outlets and inlets) and replaces those DAGs' references;
:func:`update_assets_active` then marks active exactly the assets an active DAG mentions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, select, tuple_, update
from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.storage.rows import AssetEventRow, AssetReferenceRow, AssetRow, AssetUse, DagRow
from tradewind.storage.upsert import dialect_insert

#: (field name, descending)
OrderBy = Sequence[tuple[str, bool]]

#: What assets may be ordered by.
ASSET_ORDER_FIELDS: Mapping[str, Any] = {
    "id": AssetRow.id,
    "name": AssetRow.name,
    "uri": AssetRow.uri,
    "created_at": AssetRow.created_at,
    "updated_at": AssetRow.updated_at,
}


@dataclass(frozen=True, slots=True)
class AssetMention:
    """A DAG mentions an asset: in its schedule, or as a task's outlet or inlet."""

    name: str
    uri: str
    group: str
    use: AssetUse
    task_id: str = ""


def _condition_assets(condition: Any) -> Iterator[dict[str, Any]]:
    """The ``{"name", "uri", "group"}`` of each asset in a serialized asset condition."""
    if not isinstance(condition, Mapping):
        return
    asset = condition.get("asset")
    if isinstance(asset, Mapping):
        yield dict(asset)
    for key in ("all", "any"):
        for item in condition.get(key) or ():
            yield from _condition_assets(item)


def _mention(asset: Mapping[str, Any], use: AssetUse, task_id: str = "") -> AssetMention:
    uri = str(asset.get("uri") or asset.get("name") or "")
    name = str(asset.get("name") or uri)
    return AssetMention(name, uri, str(asset.get("group") or "asset"), use, task_id)


def mentions_of(spec: DagSpec) -> set[AssetMention]:
    """Every asset the DAG mentions, and how."""
    found = {
        _mention(asset, AssetUse.SCHEDULE)
        for asset in _condition_assets(spec.timetable.get("condition"))
    }
    for task in spec.tasks.values():
        found |= {_mention(asset, AssetUse.OUTLET, task.task_id) for asset in task.outlets}
        found |= {_mention(asset, AssetUse.INLET, task.task_id) for asset in task.inlets}
    return {mention for mention in found if mention.uri}


def _asset_ids(
    session: Session, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    """(name, uri) → (id, group) of the recorded assets among ``keys``."""
    if not keys:
        return {}
    stmt = select(AssetRow.name, AssetRow.uri, AssetRow.id, AssetRow.group).where(
        tuple_(AssetRow.name, AssetRow.uri).in_(sorted(keys))
    )
    return {(name, uri): (asset_id, group) for name, uri, asset_id, group in session.execute(stmt)}


def upsert_assets(
    *, session: Session, assets: Mapping[tuple[str, str], str], now: datetime
) -> dict[tuple[str, str], int]:
    """Record the assets ``(name, uri) → group`` not known yet; returns every one's id.

    Safe against another DAG processor recording the same asset at the same moment.
    """
    known = _asset_ids(session, assets.keys())
    new = [
        {
            "name": name,
            "uri": uri,
            "group": group,
            "extra": {},
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
        for (name, uri), group in sorted(assets.items())
        if (name, uri) not in known
    ]
    if new:
        insert = dialect_insert(session, AssetRow).on_conflict_do_nothing(
            index_elements=["name", "uri"]
        )
        session.execute(insert, new)
        known = _asset_ids(session, assets.keys())
    for key, (asset_id, group) in known.items():
        if group != assets[key]:  # a DAG now names the asset's group differently
            session.execute(
                update(AssetRow)
                .where(AssetRow.id == asset_id)
                .values(group=assets[key], updated_at=now)
            )
    return {key: asset_id for key, (asset_id, _) in known.items()}


def sync_dag_assets(*, session: Session, specs: Sequence[DagSpec], now: datetime) -> None:
    """Record the assets these DAGs mention and make their references what the specs say.

    References that did not change keep their ``created_at``.
    """
    if not specs:
        return
    wanted = {spec.dag_id: mentions_of(spec) for spec in specs}
    groups = {(m.name, m.uri): m.group for mentions in wanted.values() for m in mentions}
    ids = upsert_assets(session=session, assets=groups, now=now)
    want = {
        (ids[(m.name, m.uri)], dag_id, m.use, m.task_id)
        for dag_id, mentions in wanted.items()
        for m in mentions
    }
    have = {
        (row.asset_id, row.dag_id, row.use, row.task_id)
        for row in session.scalars(
            select(AssetReferenceRow).where(AssetReferenceRow.dag_id.in_(sorted(wanted)))
        )
    }
    gone = have - want
    if gone:
        key = tuple_(
            AssetReferenceRow.asset_id,
            AssetReferenceRow.dag_id,
            AssetReferenceRow.use,
            AssetReferenceRow.task_id,
        )
        session.execute(
            delete(AssetReferenceRow).where(
                key.in_([(a, d, str(u), t) for a, d, u, t in sorted(gone)])
            )
        )
    added = sorted(want - have)
    if added:
        session.execute(
            dialect_insert(session, AssetReferenceRow).on_conflict_do_nothing(),
            [
                {
                    "asset_id": asset_id,
                    "dag_id": dag_id,
                    "use": use,
                    "task_id": task_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for asset_id, dag_id, use, task_id in added
            ],
        )


def update_assets_active(*, session: Session) -> None:
    """Active: the assets that an active DAG mentions; every other asset is inactive."""
    mentioned = exists(
        select(AssetReferenceRow.asset_id)
        .join(DagRow, DagRow.dag_id == AssetReferenceRow.dag_id)
        .where(AssetReferenceRow.asset_id == AssetRow.id, DagRow.is_active)
    )
    session.execute(
        update(AssetRow).where(AssetRow.is_active != mentioned).values(is_active=mentioned)
    )


# -- reading -----------------------------------------------------------------------------------


def get_asset(*, session: Session, asset_id: int) -> AssetRow | None:
    return session.get(AssetRow, asset_id)


def _like_anywhere(column: Any, pattern: str) -> ColumnElement[bool]:
    """Airflow's ``…_pattern``: a case-insensitive LIKE (wildcards allowed) anywhere."""
    return column.ilike(f"%{pattern}%")  # type: ignore[no-any-return]


def list_asset_page(
    *,
    session: Session,
    name_pattern: str | None = None,
    uri_pattern: str | None = None,
    dag_ids: Collection[str] | None = None,
    only_active: bool = True,
    order_by: OrderBy = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[AssetRow], int]:
    """Assets matching every filter; ``dag_ids``: assets one of these DAGs mentions."""
    stmt = select(AssetRow)
    if name_pattern:
        stmt = stmt.where(_like_anywhere(AssetRow.name, name_pattern))
    if uri_pattern:
        stmt = stmt.where(_like_anywhere(AssetRow.uri, uri_pattern))
    if only_active:
        stmt = stmt.where(AssetRow.is_active)
    if dag_ids is not None:
        stmt = stmt.where(
            exists(
                select(AssetReferenceRow.asset_id).where(
                    AssetReferenceRow.asset_id == AssetRow.id,
                    AssetReferenceRow.dag_id.in_(sorted(dag_ids)),
                )
            )
        )
    total = int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    for name, descending in [*order_by, ("id", False)]:
        column = ASSET_ORDER_FIELDS[name]
        stmt = stmt.order_by(column.desc() if descending else column.asc())
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def list_asset_references(
    *, session: Session, asset_ids: Collection[int]
) -> dict[int, list[AssetReferenceRow]]:
    """asset id → its references, by DAG and task."""
    found: defaultdict[int, list[AssetReferenceRow]] = defaultdict(list)
    if not asset_ids:
        return found
    stmt = (
        select(AssetReferenceRow)
        .where(AssetReferenceRow.asset_id.in_(sorted(asset_ids)))
        .order_by(AssetReferenceRow.dag_id, AssetReferenceRow.task_id)
    )
    for row in session.scalars(stmt):
        found[row.asset_id].append(row)
    return found


def list_last_asset_events(
    *, session: Session, asset_ids: Collection[int]
) -> dict[int, tuple[int, datetime]]:
    """asset id → (id, timestamp) of its latest event, for the assets that have one."""
    if not asset_ids:
        return {}
    latest = (
        select(
            AssetRow.id.label("asset_id"),
            func.max(AssetEventRow.id).label("event_id"),
        )
        .join(AssetEventRow, _event_of_asset())
        .where(AssetRow.id.in_(sorted(asset_ids)))
        .group_by(AssetRow.id)
        .subquery()
    )
    stmt = select(latest.c.asset_id, AssetEventRow.id, AssetEventRow.timestamp).join(
        AssetEventRow, AssetEventRow.id == latest.c.event_id
    )
    return {asset_id: (event_id, when) for asset_id, event_id, when in session.execute(stmt)}


def _event_of_asset() -> ColumnElement[bool]:
    """Events name their asset by name and URI (they outlive the DAGs that produced them)."""
    return and_(AssetEventRow.asset_name == AssetRow.name, AssetEventRow.asset_uri == AssetRow.uri)


def list_dags_producing(*, session: Session, asset_id: int) -> list[str]:
    """The active DAGs with a task whose outlet is the asset, by dag_id."""
    stmt = (
        select(AssetReferenceRow.dag_id)
        .join(DagRow, DagRow.dag_id == AssetReferenceRow.dag_id)
        .where(
            AssetReferenceRow.asset_id == asset_id,
            AssetReferenceRow.use == AssetUse.OUTLET,
            DagRow.is_active,
        )
        .distinct()
        .order_by(AssetReferenceRow.dag_id)
    )
    return list(session.scalars(stmt))


def list_dags_scheduled_on(*, session: Session, asset_ids: Collection[int]) -> dict[str, set[int]]:
    """dag_id → which of these assets the DAG is scheduled on (active DAGs only)."""
    stmt = (
        select(AssetReferenceRow.dag_id, AssetReferenceRow.asset_id)
        .join(DagRow, DagRow.dag_id == AssetReferenceRow.dag_id)
        .where(
            AssetReferenceRow.asset_id.in_(sorted(asset_ids)),
            AssetReferenceRow.use == AssetUse.SCHEDULE,
            DagRow.is_active,
        )
    )
    found: defaultdict[str, set[int]] = defaultdict(set)
    for dag_id, asset_id in session.execute(stmt):
        found[dag_id].add(asset_id)
    return found


def list_assets_by_key(
    *, session: Session, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], AssetRow]:
    """(name, uri) → the asset, for the pairs that are recorded."""
    if not keys:
        return {}
    stmt = select(AssetRow).where(tuple_(AssetRow.name, AssetRow.uri).in_(sorted(keys)))
    return {(row.name, row.uri): row for row in session.scalars(stmt)}
