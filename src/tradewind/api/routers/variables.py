"""``/api/v2/variables``: list, read, create, change and delete variables, one or in bulk.

Reading needs the Op role, as in Airflow (variables may hold secrets). A value whose key
looks secret (``db_password``, ``api_token``; :mod:`tradewind.contracts.sensitive`) reads as
``***``, and so do the values under such keys inside a JSON value. A ``PATCH`` that sends
a mask back where the stored value has a secret keeps the secret. The operations below the
routes are shared with ``/api/v1`` (``v1_resources``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import JsonValue
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
from tradewind.api.schemas.variables import (
    VariableBulkBody,
    VariableCollectionRead,
    VariableCreate,
    VariableRead,
)
from tradewind.contracts.sensitive import (
    MASK,
    is_sensitive,
    redact_json_text,
    restore_masked_json_text,
)
from tradewind.storage.repos import variables as variable_repo
from tradewind.storage.rows import VariableRow

router = APIRouter(prefix="/api/v2", tags=["Variable"])

READ = [Depends(requires(Permission.VARIABLES_READ))]
MANAGE = [Depends(requires(Permission.VARIABLES_MANAGE))]

#: The fields a ``PATCH`` may change, as ``update_mask`` names them → the body's attributes.
PATCHABLE = {"value": "value", "description": "description"}

KeyPattern = Annotated[
    str | None,
    Query(max_length=1000, description="Keys containing this (case-insensitive; % and _ match)."),
]


@router.get(
    "/variables",
    response_model=VariableCollectionRead,
    dependencies=READ,
    responses=error_responses(400),
    summary="Get Variables",
)
def get_variables(
    state: State,
    session: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: OrderByList = None,
    variable_key_pattern: KeyPattern = None,
) -> VariableCollectionRead:
    rows, total = list_rows(state, session, limit, offset, order_by, variable_key_pattern)
    return VariableCollectionRead(
        variables=[variable_read(row) for row in rows], total_entries=total
    )


@router.get(
    "/variables/{variable_key:path}",
    response_model=VariableRead,
    dependencies=READ,
    responses=error_responses(404),
    summary="Get Variable",
)
def get_variable(variable_key: str, session: DbSession) -> VariableRead:
    return variable_read(get_row(session, variable_key))


@router.post(
    "/variables",
    status_code=201,
    response_model=VariableRead,
    dependencies=MANAGE,
    responses=error_responses(400, 409),
    summary="Post Variable",
)
def post_variable(body: VariableCreate, session: DbSession) -> VariableRead:
    row = create(session, body.key, stored_value(body.value), body.description)
    session.commit()
    return variable_read(row)


@router.patch(
    "/variables/{variable_key:path}",
    response_model=VariableRead,
    dependencies=MANAGE,
    responses=error_responses(400, 404),
    summary="Patch Variable",
)
def patch_variable(
    variable_key: str,
    body: VariableCreate,
    session: DbSession,
    update_mask: UpdateMask = None,
) -> VariableRead:
    """Change the value and/or description (those ``update_mask`` names, when given)."""
    fields = masked_fields(body, update_mask, PATCHABLE)
    row = change(session, variable_key, body.key, stored_fields(fields))
    session.commit()
    return variable_read(row)


@router.delete(
    "/variables/{variable_key:path}",
    status_code=204,
    dependencies=MANAGE,
    responses=error_responses(404),
    summary="Delete Variable",
)
def delete_variable(variable_key: str, session: DbSession) -> Response:
    remove(session, variable_key)
    session.commit()
    return Response(status_code=204)


@router.patch(
    "/variables",
    response_model=BulkRead,
    response_model_exclude_none=True,
    dependencies=MANAGE,
    summary="Bulk Variables",
)
def bulk_variables(body: VariableBulkBody, session: DbSession) -> BulkRead:
    """Create, update and delete variables. Each action applies whole or not at all (its
    ``errors`` say why not); the actions that apply are kept."""
    return apply_bulk(session, body.actions, BULK)


# -- the operations, shared with /api/v1 -------------------------------------------------------


def not_found(key: str) -> HTTPException:
    return HTTPException(404, f"The Variable with key: {key!r} was not found")


def stored_value(value: JsonValue) -> str:
    """A request's value as stored: a string as it is, anything else as JSON text."""
    if value is None:
        raise HTTPException(400, "value cannot be null: give a string or any other JSON value.")
    return value if isinstance(value, str) else json.dumps(value)


def visible_value(key: str, value: str | None) -> str | None:
    """The value as responses show it: ``***`` for a secret, secrets inside JSON masked."""
    if value is None:
        return None
    if is_sensitive(key):
        return MASK
    redacted = redact_json_text(value)
    return value if redacted is None else redacted


def variable_read(row: VariableRow) -> VariableRead:
    return VariableRead(
        key=row.key,
        value=visible_value(row.key, row.val),
        description=row.description,
        is_encrypted=row.is_encrypted,
    )


def get_row(session: Session, key: str) -> VariableRow:
    row = variable_repo.get_variable(session=session, key=key)
    if row is None:
        raise not_found(key)
    return row


def list_rows(
    state: ApiState,
    session: Session,
    limit: int,
    offset: int,
    order_by: list[str] | None,
    key_pattern: str | None,
) -> tuple[list[VariableRow], int]:
    return variable_repo.list_variable_page(
        session=session,
        key_pattern=key_pattern,
        order_by=parse_order_by(
            order_by, variable_repo.VARIABLE_ORDER_FIELDS, default=(("key", False),)
        ),
        limit=state.page_limit(limit),
        offset=offset,
    )


def create(session: Session, key: str, value: str, description: str | None) -> VariableRow:
    if variable_repo.get_variable(session=session, key=key) is not None:
        raise HTTPException(
            409,
            f"The Variable with key: {key!r} already exists; change it with a PATCH instead.",
        )
    return variable_repo.create_variable(
        session=session, key=key, value=value, description=description
    )


def stored_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``masked_fields`` of a variable, with the value as stored text."""
    if "value" in fields:
        return {**fields, "value": stored_value(fields["value"])}
    return fields


def change(session: Session, key: str, body_key: str, fields: dict[str, Any]) -> VariableRow:
    """Set ``fields`` (``value`` as stored text, ``description``) of the variable ``key``."""
    if body_key != key:
        raise HTTPException(
            400,
            f"The key in the body ({body_key!r}) is not the key in the path ({key!r}); a "
            "variable cannot be renamed: create the new key and delete the old one.",
        )
    row = get_row(session, key)
    changes: dict[str, Any] = {}
    if "value" in fields:
        changes["val"] = _keeping_secrets(key, fields["value"], row.val)
    if "description" in fields:
        changes["description"] = fields["description"]
    variable_repo.update_variable(session=session, key=key, **changes)
    session.flush()
    session.refresh(row)
    return row


def _keeping_secrets(key: str, new: str, old: str) -> str:
    """``new``, but with the masks a client read and sent back replaced by the secrets."""
    if new == MASK and is_sensitive(key):
        return old
    return restore_masked_json_text(new, old)


def remove(session: Session, key: str) -> None:
    if not variable_repo.delete_variable(session=session, key=key):
        raise not_found(key)


# -- bulk ------------------------------------------------------------------------------------


def _bulk_create(session: Session, entity: VariableCreate) -> None:
    create(session, entity.key, stored_value(entity.value), entity.description)


def _bulk_overwrite(session: Session, entity: VariableCreate) -> None:
    fields = {"value": stored_value(entity.value), "description": entity.description}
    change(session, entity.key, entity.key, fields)


def _bulk_update(session: Session, entity: VariableCreate, update_mask: list[str] | None) -> None:
    change(
        session,
        entity.key,
        entity.key,
        stored_fields(masked_fields(entity, update_mask, PATCHABLE)),
    )


def _existing(session: Session, keys: list[str]) -> set[str]:
    return variable_repo.list_existing_keys(session=session, keys=keys)


BULK = BulkResource[VariableCreate](
    noun="variables",
    key_name="keys",
    key=lambda entity: entity.key,
    existing=_existing,
    create=_bulk_create,
    overwrite=_bulk_overwrite,
    update=_bulk_update,
    delete=remove,
)
