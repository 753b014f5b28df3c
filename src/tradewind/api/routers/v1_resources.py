"""``/api/v1`` (Airflow 2's REST API) for variables, connections and pools.

The same operations, permissions and errors as ``/api/v2`` (the v2 routers hold them), with
Airflow 2's shapes: creating answers 200 rather than 201, lists page 100 entries by default,
a variable has no ``is_encrypted``, a listed connection shows neither password nor extra and
a single one shows its extra (secret values masked) but never its password, and nothing
carries ``team_name``. Operation ids are Airflow 2's with a ``v1_`` prefix, since the bare
names are taken by ``/api/v2``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from tradewind.api.deps import DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.params import Limit, Offset, OrderByList, UpdateMask, masked_fields
from tradewind.api.routers import connections, pools, variables
from tradewind.api.schemas.connections import (
    ConnectionCreate,
    ConnectionTestRead,
    ConnectionV1CollectionRead,
    ConnectionV1ItemRead,
    ConnectionV1Read,
)
from tradewind.api.schemas.pools import (
    PoolCreate,
    PoolV1CollectionRead,
    PoolV1Patch,
    PoolV1Read,
)
from tradewind.api.schemas.variables import (
    VariableV1CollectionRead,
    VariableV1Create,
    VariableV1Read,
)
from tradewind.storage.rows import ConnectionRow, VariableRow

router = APIRouter(prefix="/api/v1")


# -- variables ---------------------------------------------------------------------------------


def _variable(row: VariableRow) -> VariableV1Read:
    return VariableV1Read(
        key=row.key,
        value=variables.visible_value(row.key, row.val),
        description=row.description,
    )


@router.get(
    "/variables",
    response_model=VariableV1CollectionRead,
    dependencies=variables.READ,
    tags=["Variable"],
    summary="List variables",
    responses=error_responses(400),
)
def v1_get_variables(
    state: State,
    session: DbSession,
    limit: Limit = 100,
    offset: Offset = 0,
    order_by: OrderByList = None,
) -> VariableV1CollectionRead:
    rows, total = variables.list_rows(state, session, limit, offset, order_by, None)
    return VariableV1CollectionRead(variables=[_variable(row) for row in rows], total_entries=total)


@router.get(
    "/variables/{variable_key:path}",
    response_model=VariableV1Read,
    dependencies=variables.READ,
    tags=["Variable"],
    summary="Get a variable",
    responses=error_responses(404),
)
def v1_get_variable(variable_key: str, session: DbSession) -> VariableV1Read:
    return _variable(variables.get_row(session, variable_key))


@router.post(
    "/variables",
    response_model=VariableV1Read,
    dependencies=variables.MANAGE,
    tags=["Variable"],
    summary="Create a variable",
    responses=error_responses(409),
)
def v1_post_variables(body: VariableV1Create, session: DbSession) -> VariableV1Read:
    row = variables.create(session, body.key, body.value, body.description)
    session.commit()
    return _variable(row)


@router.patch(
    "/variables/{variable_key:path}",
    response_model=VariableV1Read,
    dependencies=variables.MANAGE,
    tags=["Variable"],
    summary="Update a variable",
    responses=error_responses(400, 404),
)
def v1_patch_variable(
    variable_key: str, body: VariableV1Create, session: DbSession, update_mask: UpdateMask = None
) -> VariableV1Read:
    fields = masked_fields(body, update_mask, variables.PATCHABLE)
    row = variables.change(session, variable_key, body.key, variables.stored_fields(fields))
    session.commit()
    return _variable(row)


@router.delete(
    "/variables/{variable_key:path}",
    status_code=204,
    dependencies=variables.MANAGE,
    tags=["Variable"],
    summary="Delete a variable",
    responses=error_responses(404),
)
def v1_delete_variable(variable_key: str, session: DbSession) -> Response:
    variables.remove(session, variable_key)
    session.commit()
    return Response(status_code=204)


# -- connections -------------------------------------------------------------------------------


def _connection(row: ConnectionRow) -> ConnectionV1Read:
    return ConnectionV1Read(**connections.connection_fields(row))


@router.get(
    "/connections",
    response_model=ConnectionV1CollectionRead,
    dependencies=connections.READ,
    tags=["Connection"],
    summary="List connections",
    responses=error_responses(400),
)
def v1_get_connections(
    state: State,
    session: DbSession,
    limit: Limit = 100,
    offset: Offset = 0,
    order_by: OrderByList = None,
) -> ConnectionV1CollectionRead:
    rows, total = connections.list_rows(state, session, limit, offset, order_by, None)
    items = [ConnectionV1ItemRead(**connections.connection_fields(row)) for row in rows]
    return ConnectionV1CollectionRead(connections=items, total_entries=total)


@router.get(
    "/connections/{connection_id}",
    response_model=ConnectionV1Read,
    dependencies=connections.READ,
    tags=["Connection"],
    summary="Get a connection",
    responses=error_responses(404),
)
def v1_get_connection(connection_id: str, session: DbSession) -> ConnectionV1Read:
    return _connection(connections.get_row(session, connection_id))


@router.post(
    "/connections",
    response_model=ConnectionV1Read,
    dependencies=connections.MANAGE,
    tags=["Connection"],
    summary="Create a connection",
    responses=error_responses(400, 409),
)
def v1_post_connection(body: ConnectionCreate, session: DbSession) -> ConnectionV1Read:
    row = connections.create(session, body)
    session.commit()
    return _connection(row)


@router.patch(
    "/connections/{connection_id}",
    response_model=ConnectionV1Read,
    dependencies=connections.MANAGE,
    tags=["Connection"],
    summary="Update a connection",
    responses=error_responses(400, 404),
)
def v1_patch_connection(
    connection_id: str, body: ConnectionCreate, session: DbSession, update_mask: UpdateMask = None
) -> ConnectionV1Read:
    row = connections.change(session, connection_id, body, update_mask)
    session.commit()
    return _connection(row)


@router.delete(
    "/connections/{connection_id}",
    status_code=204,
    dependencies=connections.MANAGE,
    tags=["Connection"],
    summary="Delete a connection",
    responses=error_responses(404),
)
def v1_delete_connection(connection_id: str, session: DbSession) -> Response:
    connections.remove(session, connection_id)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/connections/test",
    response_model=ConnectionTestRead,
    dependencies=connections.MANAGE,
    tags=["Connection"],
    summary="Test a connection",
    responses=connections.TEST_RESPONSES,
)
def v1_test_connection(body: ConnectionCreate) -> ConnectionTestRead:
    raise HTTPException(403, connections.TESTING_DISABLED)


# -- pools -------------------------------------------------------------------------------------


@router.get(
    "/pools",
    response_model=PoolV1CollectionRead,
    tags=["Pool"],
    summary="List pools",
    responses=error_responses(400),
)
def v1_get_pools(
    state: State,
    session: DbSession,
    limit: Limit = 100,
    offset: Offset = 0,
    order_by: OrderByList = None,
) -> PoolV1CollectionRead:
    usage, total = pools.list_usage(state, session, limit, offset, order_by, None)
    return PoolV1CollectionRead(
        pools=[PoolV1Read(**pools.pool_fields(pool)) for pool in usage], total_entries=total
    )


@router.get(
    "/pools/{pool_name:path}",
    response_model=PoolV1Read,
    tags=["Pool"],
    summary="Get a pool",
    responses=error_responses(404),
)
def v1_get_pool(pool_name: str, session: DbSession) -> PoolV1Read:
    return PoolV1Read(**pools.pool_fields(pools.get_usage(session, pool_name)))


@router.post(
    "/pools",
    response_model=PoolV1Read,
    dependencies=pools.MANAGE,
    tags=["Pool"],
    summary="Create a pool",
    responses=error_responses(409),
)
def v1_post_pool(body: PoolCreate, session: DbSession) -> PoolV1Read:
    pools.create(session, body)
    session.commit()
    return PoolV1Read(**pools.pool_fields(pools.get_usage(session, body.name)))


@router.patch(
    "/pools/{pool_name:path}",
    response_model=PoolV1Read,
    dependencies=pools.MANAGE,
    tags=["Pool"],
    summary="Update a pool",
    responses=error_responses(400, 404),
)
def v1_patch_pool(
    pool_name: str, body: PoolV1Patch, session: DbSession, update_mask: UpdateMask = None
) -> PoolV1Read:
    pools.change(session, pool_name, body, update_mask)
    session.commit()
    return PoolV1Read(**pools.pool_fields(pools.get_usage(session, pool_name)))


@router.delete(
    "/pools/{pool_name:path}",
    status_code=204,
    dependencies=pools.MANAGE,
    tags=["Pool"],
    summary="Delete a pool",
    responses=error_responses(400, 404),
)
def v1_delete_pool(pool_name: str, session: DbSession) -> Response:
    pools.remove(session, pool_name)
    session.commit()
    return Response(status_code=204)
