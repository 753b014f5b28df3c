"""Assets and asset aliases: recorded from the DAG specs the DAG processor stores, read by the API.

An asset is one (name, uri) pair; an alias is a name. :func:`sync_dag_assets` records the
assets and aliases the given DAGs mention (schedule, task outlets and inlets) and replaces
those DAGs' references; :func:`update_assets_active` then marks active exactly the assets an
active DAG mentions. The queued events of an asset for a DAG deleted through the API are
kept as a moment per (DAG, asset) (:func:`clear_queued_events`): the asset's events up to it
no longer count towards the DAG's next asset-triggered run.
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
from tradewind.storage.rows import (
    AssetAliasReferenceRow,
    AssetAliasRow,
    AssetEventRow,
    AssetQueueClearRow,
    AssetReferenceRow,
    AssetRow,
    AssetUse,
    DagRow,
)
from tradewind.storage.upsert import dialect_insert, upsert

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


#: What asset aliases may be ordered by.
ALIAS_ORDER_FIELDS: Mapping[str, Any] = {"id": AssetAliasRow.id, "name": AssetAliasRow.name}


@dataclass(frozen=True, slots=True)
class AssetMention:
    """A DAG mentions an asset: in its schedule, or as a task's outlet or inlet."""

    name: str
    uri: str
    group: str
    use: AssetUse
    task_id: str = ""


@dataclass(frozen=True, slots=True)
class AliasMention:
    """A DAG mentions an asset alias: in its schedule, or as a task's outlet or inlet."""

    name: str
    group: str
    use: AssetUse
    task_id: str = ""


def _condition_items(condition: Any, kind: str) -> Iterator[dict[str, Any]]:
    """The ``kind`` ("asset": ``{"name", "uri", "group"}``; "alias": ``{"name", "group"}``)
    of each asset or alias in a serialized asset condition."""
    if not isinstance(condition, Mapping):
        return
    item = condition.get(kind)
    if isinstance(item, Mapping):
        yield dict(item)
    for key in ("all", "any"):
        for nested in condition.get(key) or ():
            yield from _condition_items(nested, kind)


def _condition_assets(condition: Any) -> Iterator[dict[str, Any]]:
    return _condition_items(condition, "asset")


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
        for use, references in ((AssetUse.OUTLET, task.outlets), (AssetUse.INLET, task.inlets)):
            found |= {
                _mention(asset, use, task.task_id) for asset in references if "alias" not in asset
            }
    return {mention for mention in found if mention.uri}


def _alias_mention(alias: Any, use: AssetUse, task_id: str = "") -> AliasMention | None:
    if not isinstance(alias, Mapping) or not alias.get("name"):
        return None
    return AliasMention(str(alias["name"]), str(alias.get("group") or "asset"), use, task_id)


def alias_mentions_of(spec: DagSpec) -> set[AliasMention]:
    """Every asset alias the DAG mentions, and how (outlets and inlets hold
    ``{"alias": {"name", "group"}}`` next to the assets)."""
    found = {
        _alias_mention(alias, AssetUse.SCHEDULE)
        for alias in _condition_items(spec.timetable.get("condition"), "alias")
    }
    for task in spec.tasks.values():
        for use, references in ((AssetUse.OUTLET, task.outlets), (AssetUse.INLET, task.inlets)):
            found |= {
                _alias_mention(reference["alias"], use, task.task_id)
                for reference in references
                if "alias" in reference
            }
    return {mention for mention in found if mention is not None}


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
    *,
    session: Session,
    assets: Mapping[tuple[str, str], str],
    now: datetime,
    update_groups: bool = True,
) -> dict[tuple[str, str], int]:
    """Record the assets ``(name, uri) → group`` not known yet; returns every one's id. The
    group of a known asset changes to the one given, unless ``update_groups`` is False.

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
        if update_groups and group != assets[key]:  # a DAG now names the group differently
            session.execute(
                update(AssetRow)
                .where(AssetRow.id == asset_id)
                .values(group=assets[key], updated_at=now)
            )
    return {key: asset_id for key, (asset_id, _) in known.items()}


def upsert_aliases(
    *, session: Session, aliases: Mapping[str, str], now: datetime
) -> dict[str, int]:
    """Record the aliases ``name → group`` not known yet; returns every one's id."""
    if not aliases:
        return {}

    def known() -> dict[str, tuple[int, str]]:
        stmt = select(AssetAliasRow.name, AssetAliasRow.id, AssetAliasRow.group).where(
            AssetAliasRow.name.in_(sorted(aliases))
        )
        return {name: (alias_id, group) for name, alias_id, group in session.execute(stmt)}

    found = known()
    new = [
        {"name": name, "group": group, "created_at": now, "updated_at": now}
        for name, group in sorted(aliases.items())
        if name not in found
    ]
    if new:
        insert = dialect_insert(session, AssetAliasRow).on_conflict_do_nothing(
            index_elements=["name"]
        )
        session.execute(insert, new)
        found = known()
    for name, (alias_id, group) in found.items():
        if group != aliases[name]:
            session.execute(
                update(AssetAliasRow)
                .where(AssetAliasRow.id == alias_id)
                .values(group=aliases[name], updated_at=now)
            )
    return {name: alias_id for name, (alias_id, _) in found.items()}


_Reference = tuple[int, str, AssetUse, str]


def _replace_references(
    session: Session,
    table: type[AssetReferenceRow] | type[AssetAliasReferenceRow],
    id_column: str,
    dag_ids: Collection[str],
    want: set[_Reference],
    now: datetime,
) -> None:
    """Make the references of ``dag_ids`` in ``table`` exactly ``want`` (id, dag_id, use,
    task_id); those that stay keep their ``created_at``."""
    ids = getattr(table, id_column)
    have = {
        (row_id, dag_id, AssetUse(use), task_id)
        for row_id, dag_id, use, task_id in session.execute(
            select(ids, table.dag_id, table.use, table.task_id).where(
                table.dag_id.in_(sorted(dag_ids))
            )
        )
    }
    gone = have - want
    if gone:
        key = tuple_(ids, table.dag_id, table.use, table.task_id)
        session.execute(
            delete(table).where(key.in_([(i, d, str(u), t) for i, d, u, t in sorted(gone)]))
        )
    added = sorted(want - have)
    if added:
        session.execute(
            dialect_insert(session, table).on_conflict_do_nothing(),
            [
                {
                    id_column: row_id,
                    "dag_id": dag_id,
                    "use": use,
                    "task_id": task_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for row_id, dag_id, use, task_id in added
            ],
        )


def sync_dag_assets(*, session: Session, specs: Sequence[DagSpec], now: datetime) -> None:
    """Record the assets and aliases these DAGs mention and make their references what the
    specs say. References that did not change keep their ``created_at``."""
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
    _replace_references(session, AssetReferenceRow, "asset_id", wanted, want, now)

    aliases = {spec.dag_id: alias_mentions_of(spec) for spec in specs}
    alias_groups = {m.name: m.group for mentions in aliases.values() for m in mentions}
    alias_ids = upsert_aliases(session=session, aliases=alias_groups, now=now)
    want_aliases = {
        (alias_ids[m.name], dag_id, m.use, m.task_id)
        for dag_id, mentions in aliases.items()
        for m in mentions
    }
    _replace_references(session, AssetAliasReferenceRow, "alias_id", aliases, want_aliases, now)


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


# -- asset aliases -------------------------------------------------------------------------------


def get_alias(*, session: Session, alias_id: int) -> AssetAliasRow | None:
    return session.get(AssetAliasRow, alias_id)


def list_alias_page(
    *,
    session: Session,
    name_pattern: str | None = None,
    order_by: OrderBy = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[AssetAliasRow], int]:
    """Aliases whose name matches ``name_pattern`` (case-insensitive, ``%``/``_`` wildcards)."""
    stmt = select(AssetAliasRow)
    if name_pattern:
        stmt = stmt.where(_like_anywhere(AssetAliasRow.name, name_pattern))
    total = int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    for name, descending in [*order_by, ("id", False)]:
        column = ALIAS_ORDER_FIELDS[name]
        stmt = stmt.order_by(column.desc() if descending else column.asc())
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def list_alias_references(
    *, session: Session, alias_ids: Collection[int]
) -> dict[int, list[AssetAliasReferenceRow]]:
    """alias id → its references, by DAG and task."""
    found: defaultdict[int, list[AssetAliasReferenceRow]] = defaultdict(list)
    if not alias_ids:
        return found
    stmt = (
        select(AssetAliasReferenceRow)
        .where(AssetAliasReferenceRow.alias_id.in_(sorted(alias_ids)))
        .order_by(AssetAliasReferenceRow.dag_id, AssetAliasReferenceRow.task_id)
    )
    for row in session.scalars(stmt):
        found[row.alias_id].append(row)
    return found


# -- queued events deleted through the API ---------------------------------------------------


def clear_queued_events(
    *, session: Session, dag_id: str, asset_ids: Collection[int], at: datetime
) -> None:
    """The events of these assets up to ``at`` no longer count towards the DAG's next
    asset-triggered run."""
    if not asset_ids:
        return
    rows = [
        {"dag_id": dag_id, "asset_id": asset_id, "cleared_at": at} for asset_id in sorted(asset_ids)
    ]
    upsert(session, AssetQueueClearRow, rows, keys=("dag_id", "asset_id"), update=("cleared_at",))


def list_queue_clears(*, session: Session, dag_id: str) -> dict[tuple[str, str], datetime]:
    """(name, uri) of an asset → until when its events do not count for the DAG."""
    stmt = (
        select(AssetRow.name, AssetRow.uri, AssetQueueClearRow.cleared_at)
        .join(AssetQueueClearRow, AssetQueueClearRow.asset_id == AssetRow.id)
        .where(AssetQueueClearRow.dag_id == dag_id)
    )
    return {(name, uri): cleared_at for name, uri, cleared_at in session.execute(stmt)}
