"""``/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries``: list,
read, create, change and delete the values tasks pushed.

``~`` as the dag_id, run id or task id lists the entries of every DAG (run, task) the user may
read. Values are kept in Tradewind's tagged JSON (``contracts.serde``); an entry reads as:

* by default, the JSON as stored: plain JSON values as they are; tuples, dates, arrays… as
  ``{"__tw__": tag, …}`` objects (Airflow likewise answers with its stored form);
* with ``deserialize=true``, as plain JSON: tuples and sets as lists, dates, decimals and UUIDs
  as text, DataFrames as pandas' table JSON, arrays as nested lists;
* with ``stringify=true``, as one string: the JSON text of that value (a string stays itself).

Values written through the API are JSON, stored so tasks pull back the same value. Viewer
reads; writing takes User (and ``can_edit`` in the DAG's access_control).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from tradewind.api.auth.errors import NotAuthorizedError
from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import (
    ALL,
    check_task,
    get_dag_row,
    get_run_row,
    readable_dag_ids,
    run_spec,
)
from tradewind.api.params import INT_MAX, MapIndexQuery, bounds_of
from tradewind.api.schemas.xcom import (
    XComCollectionRead,
    XComCreate,
    XComNativeRead,
    XComPatch,
    XComRead,
    XComStringRead,
)
from tradewind.contracts import serde
from tradewind.storage.repos import xcom as xcom_repo

router = APIRouter(prefix="/api/v2", tags=["XCom"])

_PREFIX = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries"

_Pattern = Annotated[str | None, Field(max_length=1000)]


class XComQuery(BaseModel):
    """The query parameters of ``GET …/xcomEntries``."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    xcom_key: str | None = Field(None, max_length=1000)
    map_index: int | None = Field(None, ge=-1, le=INT_MAX)
    map_index_filter: int | None = Field(None, ge=-1, le=INT_MAX)
    xcom_key_pattern: _Pattern = None
    xcom_key_prefix_pattern: _Pattern = None
    dag_display_name_pattern: _Pattern = None
    dag_display_name_prefix_pattern: _Pattern = None
    run_id_pattern: _Pattern = None
    run_id_prefix_pattern: _Pattern = None
    task_id_pattern: _Pattern = None
    task_id_prefix_pattern: _Pattern = None
    logical_date_gte: AwareDatetime | None = None
    logical_date_gt: AwareDatetime | None = None
    logical_date_lte: AwareDatetime | None = None
    logical_date_lt: AwareDatetime | None = None
    run_after_gte: AwareDatetime | None = None
    run_after_gt: AwareDatetime | None = None
    run_after_lte: AwareDatetime | None = None
    run_after_lt: AwareDatetime | None = None

    def patterns(self, suffix: str) -> dict[str, str]:
        """field → pattern, of the ``…_pattern`` (or ``…_prefix_pattern``) parameters set."""
        fields = {"xcom_key": "key", "dag_display_name": "dag_display_name"}
        fields |= {"run_id": "run_id", "task_id": "task_id"}
        return {
            column: value
            for name, column in fields.items()
            if (value := getattr(self, f"{name}_{suffix}")) is not None
        }


def _read(row: Any, model: type[XComRead] = XComRead, **value: Any) -> Any:
    xcom, logical_date, run_after, display_name = row
    return model(
        key=xcom.key,
        timestamp=xcom.updated_at,
        logical_date=logical_date,
        map_index=xcom.map_index,
        task_id=xcom.task_id,
        dag_id=xcom.dag_id,
        run_id=xcom.run_id,
        dag_display_name=display_name,
        task_display_name=xcom.task_id,
        run_after=run_after,
        **value,
    )


def _stored(text: str) -> Any:
    """The stored JSON (text that is not JSON, which Tradewind never writes, as it is)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _require_write(state: ApiState, session: Session, user: AuthUser, dag_id: str) -> None:
    if state.access.allows(session, user, dag_id, Permission.TASKS_EDIT):
        return
    if not user.may(Permission.TASKS_EDIT):
        raise NotAuthorizedError(
            f"User {user.username!r} has the role {user.role}, which may not change XCom "
            "entries; that takes the role User or above."
        )
    raise NotAuthorizedError(
        f"DAG {dag_id!r} does not let the role {user.role} change its XCom entries (its "
        "access_control); ask an Admin, or the DAG's author, for access."
    )


def _not_found(
    session: Session, dag_id: str, run_id: str, task_id: str, key: str, map_index: int
) -> HTTPException:
    """The 404 for a missing entry (or, first, for its missing run)."""
    get_run_row(session, dag_id, run_id)
    return HTTPException(
        404,
        f"Task {task_id!r} of run {run_id!r} has no XCom entry with key {key!r} at map index "
        f"{map_index}; GET …/taskInstances/{task_id}/xcomEntries lists its entries.",
    )


@router.get(
    _PREFIX,
    response_model=XComCollectionRead,
    summary="Get Xcom Entries",
    responses=error_responses(404),
)
def get_xcom_entries(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    query: Annotated[XComQuery, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> XComCollectionRead:
    """XCom entries, ordered by DAG, task, run, map index and key."""
    dag_ids = readable_dag_ids(state, session, user, dag_id)
    run_id = None if dag_run_id == ALL else dag_run_id
    if dag_id != ALL and run_id is not None:
        get_run_row(session, dag_id, run_id)
    indexes = {query.map_index, query.map_index_filter} - {None}
    if len(indexes) > 1:  # two different map indexes: nothing can match both
        return XComCollectionRead(xcom_entries=[], total_entries=0)
    where = xcom_repo.XComFilter(
        dag_ids=dag_ids,
        run_id=run_id,
        task_id=None if task_id == ALL else task_id,
        key=query.xcom_key,
        map_index=indexes.pop() if indexes else None,
        patterns=query.patterns("pattern"),
        prefixes=query.patterns("prefix_pattern"),
        bounds=bounds_of(query),
    )
    rows, total = xcom_repo.list_xcom_page(
        session=session, where=where, limit=state.page_limit(query.limit), offset=query.offset
    )
    return XComCollectionRead(xcom_entries=[_read(row) for row in rows], total_entries=total)


@router.get(
    _PREFIX + "/{xcom_key}",
    response_model=XComNativeRead | XComStringRead,
    summary="Get Xcom Entry",
    responses=error_responses(404),
)
def get_xcom_entry(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
    map_index: MapIndexQuery = -1,
    deserialize: bool = False,
    stringify: bool = False,
) -> XComNativeRead | XComStringRead:
    """One entry: its stored JSON, its plain JSON (``deserialize``), or text (``stringify``)."""
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    entry = xcom_repo.XComEntryKey(dag_id, dag_run_id, task_id, map_index, xcom_key)
    row = xcom_repo.get_xcom_entry(session=session, entry=entry)
    if row is None:
        raise _not_found(session, dag_id, dag_run_id, task_id, xcom_key, map_index)
    text = row[0].value
    if deserialize:
        try:
            value = serde.to_plain_json(text)
        except serde.XComSerializationError as error:
            raise HTTPException(
                400, f"{error} Leave out deserialize=true to read it as stored."
            ) from None
    else:
        value = _stored(text)
    if stringify:
        string = value if isinstance(value, str) or value is None else json.dumps(value)
        result: XComNativeRead | XComStringRead = _read(row, XComStringRead, value=string)
        return result
    native: XComNativeRead = _read(row, XComNativeRead, value=value)
    return native


@router.post(
    _PREFIX,
    response_model=XComNativeRead,
    status_code=201,
    summary="Create Xcom Entry",
    responses=error_responses(404, 409),
)
def create_xcom_entry(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    body: XComCreate,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> XComNativeRead:
    """Add an entry to a task instance (409 if its key is taken at that map index)."""
    _require_write(state, session, user, dag_id)
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    run = get_run_row(session, dag_id, dag_run_id)
    check_task(run_spec(state, session, run), [task_id])
    entry = xcom_repo.XComEntryKey(dag_id, dag_run_id, task_id, body.map_index, body.key)
    if xcom_repo.get_xcom_entry(session=session, entry=entry) is not None:
        raise HTTPException(
            409,
            f"Task {task_id!r} of run {dag_run_id!r} already has an XCom entry with key "
            f"{body.key!r} at map index {body.map_index}; PATCH it to change its value.",
        )
    xcom_repo.create_xcom_entry(
        session=session, entry=entry, value=serde.serialize(body.value), now=state.clock()
    )
    session.commit()
    return _entry_read(session, entry)


def _entry_read(session: Session, entry: xcom_repo.XComEntryKey) -> XComNativeRead:
    """The entry just written, as stored."""
    row = xcom_repo.get_xcom_entry(session=session, entry=entry)
    assert row is not None
    read: XComNativeRead = _read(row, XComNativeRead, value=_stored(row[0].value))
    return read


@router.patch(
    _PREFIX + "/{xcom_key}",
    response_model=XComNativeRead,
    summary="Update Xcom Entry",
    responses=error_responses(404),
)
def update_xcom_entry(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: str,
    body: XComPatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> XComNativeRead:
    """Replace the value of an entry (``map_index`` in the body names the instance)."""
    _require_write(state, session, user, dag_id)
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    entry = xcom_repo.XComEntryKey(dag_id, dag_run_id, task_id, body.map_index, xcom_key)
    changed = xcom_repo.update_xcom_value(
        session=session, entry=entry, value=serde.serialize(body.value), now=state.clock()
    )
    if not changed:
        raise _not_found(session, dag_id, dag_run_id, task_id, xcom_key, body.map_index)
    session.commit()
    return _entry_read(session, entry)


@router.delete(
    _PREFIX + "/{xcom_key}",
    status_code=204,
    response_class=Response,
    summary="Delete Xcom Entry",
    responses=error_responses(404),
)
def delete_xcom_entry(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
    map_index: MapIndexQuery = -1,
) -> Response:
    """Delete an entry."""
    _require_write(state, session, user, dag_id)
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    entry = xcom_repo.XComEntryKey(dag_id, dag_run_id, task_id, map_index, xcom_key)
    deleted = xcom_repo.delete_xcom_entry(session=session, entry=entry)
    if not deleted:
        raise _not_found(session, dag_id, dag_run_id, task_id, xcom_key, map_index)
    session.commit()
    return Response(status_code=204)
