"""``/api/v2/connections``: list, read, create, change and delete connections, one or in bulk.

Reading needs the Op role, as in Airflow. No response holds a password (it reads as ``***``
when one is set) nor the values under secret keys of the extra (``***`` too; an extra that
is not JSON is hidden whole). A ``PATCH`` that sends these masks back keeps the secrets.
Testing a connection is not offered: ``POST /connections/test`` answers 403, as Airflow does
by default. The operations below the routes are shared with ``/api/v1`` (``v1_resources``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import Permission
from tradewind.api.bulk import BulkResource, apply_bulk
from tradewind.api.deps import ApiState, DbSession, State, requires
from tradewind.api.errors import error_responses
from tradewind.api.params import (
    Limit,
    Offset,
    OrderByList,
    UpdateMask,
    masked_fields,
    parse_order_by,
)
from tradewind.api.schemas.bulk import BulkRead
from tradewind.api.schemas.common import ErrorRead
from tradewind.api.schemas.connections import (
    ConnectionBulkBody,
    ConnectionCollectionRead,
    ConnectionCreate,
    ConnectionRead,
    ConnectionTestRead,
)
from tradewind.contracts.sensitive import MASK, redact_json_text, restore_masked_json_text
from tradewind.storage.repos import connections as connection_repo
from tradewind.storage.rows import ConnectionRow

router = APIRouter(prefix="/api/v2", tags=["Connection"])

READ = [Depends(requires(Permission.CONNECTIONS_READ))]
MANAGE = [Depends(requires(Permission.CONNECTIONS_MANAGE))]

#: The fields a ``PATCH`` may change, as ``update_mask`` names them → the body's attributes.
PATCHABLE = {
    "conn_type": "conn_type",
    "description": "description",
    "host": "host",
    "login": "login",
    "schema": "schema_",
    "port": "port",
    "password": "password",
    "extra": "extra",
}

IdPattern = Annotated[
    str | None,
    Query(max_length=1000, description="Ids containing this (case-insensitive; % and _ match)."),
]

TESTING_DISABLED = (
    "Testing connections is disabled: Tradewind's API server does not reach outside systems "
    "on a user's behalf. Test a connection from a task that uses it instead."
)

TEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorRead, "description": "Testing connections is disabled in Tradewind."}
}


@router.get(
    "/connections",
    response_model=ConnectionCollectionRead,
    dependencies=READ,
    responses=error_responses(400),
    summary="Get Connections",
)
def get_connections(
    state: State,
    session: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: OrderByList = None,
    connection_id_pattern: IdPattern = None,
) -> ConnectionCollectionRead:
    rows, total = list_rows(state, session, limit, offset, order_by, connection_id_pattern)
    return ConnectionCollectionRead(
        connections=[connection_read(row) for row in rows], total_entries=total
    )


@router.get(
    "/connections/{connection_id}",
    response_model=ConnectionRead,
    dependencies=READ,
    responses=error_responses(404),
    summary="Get Connection",
)
def get_connection(connection_id: str, session: DbSession) -> ConnectionRead:
    return connection_read(get_row(session, connection_id))


@router.post(
    "/connections",
    status_code=201,
    response_model=ConnectionRead,
    dependencies=MANAGE,
    responses=error_responses(400, 409),
    summary="Post Connection",
)
def post_connection(body: ConnectionCreate, session: DbSession) -> ConnectionRead:
    row = create(session, body)
    session.commit()
    return connection_read(row)


@router.patch(
    "/connections/{connection_id}",
    response_model=ConnectionRead,
    dependencies=MANAGE,
    responses=error_responses(400, 404),
    summary="Patch Connection",
)
def patch_connection(
    connection_id: str,
    body: ConnectionCreate,
    session: DbSession,
    update_mask: UpdateMask = None,
) -> ConnectionRead:
    """Change the fields the body gives (those ``update_mask`` names, when given)."""
    row = change(session, connection_id, body, update_mask)
    session.commit()
    return connection_read(row)


@router.delete(
    "/connections/{connection_id}",
    status_code=204,
    dependencies=MANAGE,
    responses=error_responses(404),
    summary="Delete Connection",
)
def delete_connection(connection_id: str, session: DbSession) -> Response:
    remove(session, connection_id)
    session.commit()
    return Response(status_code=204)


@router.patch(
    "/connections",
    response_model=BulkRead,
    response_model_exclude_none=True,
    dependencies=MANAGE,
    summary="Bulk Connections",
)
def bulk_connections(body: ConnectionBulkBody, session: DbSession) -> BulkRead:
    """Create, update and delete connections. Each action applies whole or not at all (its
    ``errors`` say why not); the actions that apply are kept. Passwords sent back as ``***``
    keep the stored ones, as in ``PATCH``."""
    return apply_bulk(session, body.actions, BULK)


@router.post(
    "/connections/test",
    response_model=ConnectionTestRead,
    dependencies=MANAGE,
    summary="Test Connection",
    responses=TEST_RESPONSES,
)
def test_connection(body: ConnectionCreate) -> ConnectionTestRead:
    raise HTTPException(403, TESTING_DISABLED)


# -- the operations, shared with /api/v1 -------------------------------------------------------


def not_found(connection_id: str) -> HTTPException:
    return HTTPException(404, f"The Connection with connection_id: {connection_id!r} was not found")


def visible_extra(extra: str | None) -> str | None:
    """The extra as responses show it: secret keys' values masked, or all of it if not JSON."""
    if extra is None:
        return None
    redacted = redact_json_text(extra)
    return MASK if redacted is None else redacted


def connection_fields(row: ConnectionRow) -> dict[str, Any]:
    """What every shape of a connection shows, by API name; never the password."""
    return {
        "connection_id": row.conn_id,
        "conn_type": row.conn_type,
        "description": row.description,
        "host": row.host,
        "login": row.login,
        "schema": row.schema,
        "port": row.port,
        "extra": visible_extra(row.extra),
    }


def connection_read(row: ConnectionRow) -> ConnectionRead:
    return ConnectionRead(**connection_fields(row), password=None if row.password is None else MASK)


def get_row(session: Session, connection_id: str) -> ConnectionRow:
    row = connection_repo.get_connection(session=session, conn_id=connection_id)
    if row is None:
        raise not_found(connection_id)
    return row


def list_rows(
    state: ApiState,
    session: Session,
    limit: int,
    offset: int,
    order_by: list[str] | None,
    id_pattern: str | None,
) -> tuple[list[ConnectionRow], int]:
    return connection_repo.list_connection_page(
        session=session,
        conn_id_pattern=id_pattern,
        order_by=parse_order_by(
            order_by, connection_repo.CONNECTION_ORDER_FIELDS, default=(("conn_id", False),)
        ),
        limit=state.page_limit(limit),
        offset=offset,
    )


def check_extra(extra: str | None) -> str | None:
    """The extra to store: a JSON object as text (empty text is ``{}``, as in Airflow)."""
    if extra is None:
        return None
    if not extra.strip():
        return "{}"
    try:
        value = json.loads(extra)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise HTTPException(
            400,
            'extra must be a JSON object written as text, e.g. \'{"sslmode": "require"}\'; '
            "put each option under its own key.",
        )
    return extra


def create(session: Session, body: ConnectionCreate) -> ConnectionRow:
    extra = check_extra(body.extra)
    if connection_repo.get_connection(session=session, conn_id=body.connection_id) is not None:
        raise HTTPException(
            409,
            f"The Connection with connection_id: {body.connection_id!r} already exists; "
            "change it with a PATCH instead.",
        )
    return connection_repo.create_connection(
        session=session,
        conn_id=body.connection_id,
        conn_type=body.conn_type,
        description=body.description,
        host=body.host,
        login=body.login,
        schema=body.schema_,
        port=body.port,
        password=body.password,
        extra=extra,
    )


def change(
    session: Session, connection_id: str, body: ConnectionCreate, update_mask: list[str] | None
) -> ConnectionRow:
    """Apply a ``PATCH`` body; the masks a client read and sent back keep the secrets."""
    if body.connection_id != connection_id:
        raise HTTPException(
            400,
            f"The connection_id in the body ({body.connection_id!r}) is not the one in the path "
            f"({connection_id!r}); a connection cannot be renamed: create the new one and "
            "delete the old one.",
        )
    fields = masked_fields(body, update_mask, PATCHABLE)
    row = get_row(session, connection_id)
    if fields.get("password") == MASK:
        del fields["password"]
    if "extra" in fields:
        extra = check_extra(fields["extra"])
        fields["extra"] = None if extra is None else restore_masked_json_text(extra, row.extra)
    connection_repo.update_connection(session=session, conn_id=connection_id, **fields)
    session.flush()
    session.refresh(row)
    return row


def remove(session: Session, connection_id: str) -> None:
    if not connection_repo.delete_connection(session=session, conn_id=connection_id):
        raise not_found(connection_id)


# -- bulk ------------------------------------------------------------------------------------


def _bulk_create(session: Session, entity: ConnectionCreate) -> None:
    create(session, entity)


def _bulk_overwrite(session: Session, entity: ConnectionCreate) -> None:
    # Every field is set (one the entity leaves out is cleared), as a new connection would be.
    change(session, entity.connection_id, entity, list(PATCHABLE))


def _bulk_update(session: Session, entity: ConnectionCreate, update_mask: list[str] | None) -> None:
    change(session, entity.connection_id, entity, update_mask)


def _existing(session: Session, connection_ids: list[str]) -> set[str]:
    return {
        connection_id
        for connection_id in connection_ids
        if connection_repo.get_connection(session=session, conn_id=connection_id) is not None
    }


BULK = BulkResource[ConnectionCreate](
    noun="connections",
    key_name="connection_ids",
    key=lambda entity: entity.connection_id,
    existing=_existing,
    create=_bulk_create,
    overwrite=_bulk_overwrite,
    update=_bulk_update,
    delete=remove,
)
