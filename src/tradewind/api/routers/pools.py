"""``/api/v2/pools``: list, read, create, change and delete pools (one or in bulk), with the
slots in use.

Every role reads pools (Airflow's Viewer may); changing them needs the Op role. Slots held
are counted from the task instances: ``running``, ``queued``, ``deferred`` and
``scheduled``; ``occupied`` is running plus queued, plus deferred when the pool counts
deferred tasks; ``open`` is what is left, -1 for a pool without a limit (slots -1).
``default_pool`` cannot be deleted, and no pool can be renamed. The operations below the
routes are shared with ``/api/v1`` (``v1_resources``).
"""

from __future__ import annotations

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
from tradewind.api.schemas.pools import (
    PoolBulkBody,
    PoolCollectionRead,
    PoolCreate,
    PoolPatch,
    PoolRead,
    PoolV1Patch,
)
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.repos.pools import PoolUsage

router = APIRouter(prefix="/api/v2", tags=["Pool"])

MANAGE = [Depends(requires(Permission.POOLS_MANAGE))]

#: The fields a ``PATCH`` may change, as ``update_mask`` names them → the body's attributes.
PATCHABLE = {
    "slots": "slots",
    "description": "description",
    "include_deferred": "include_deferred",
}

NamePattern = Annotated[
    str | None,
    Query(max_length=1000, description="Names containing this (case-insensitive; % and _ match)."),
]


@router.get(
    "/pools",
    response_model=PoolCollectionRead,
    summary="Get Pools",
    responses=error_responses(400),
)
def get_pools(
    state: State,
    session: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: OrderByList = None,
    pool_name_pattern: NamePattern = None,
) -> PoolCollectionRead:
    pools, total = list_usage(state, session, limit, offset, order_by, pool_name_pattern)
    return PoolCollectionRead(
        pools=[PoolRead(**pool_fields(pool)) for pool in pools], total_entries=total
    )


@router.patch(
    "/pools",
    response_model=BulkRead,
    response_model_exclude_none=True,
    dependencies=MANAGE,
    summary="Bulk Pools",
)
def bulk_pools(body: PoolBulkBody, session: DbSession) -> BulkRead:
    """Create, update and delete pools. Each action applies whole or not at all (its
    ``errors`` say why not); the actions that apply are kept."""
    return apply_bulk(session, body.actions, BULK)


@router.get(
    "/pools/{pool_name:path}",
    response_model=PoolRead,
    summary="Get Pool",
    responses=error_responses(404),
)
def get_pool(pool_name: str, session: DbSession) -> PoolRead:
    return PoolRead(**pool_fields(get_usage(session, pool_name)))


@router.post(
    "/pools",
    status_code=201,
    response_model=PoolRead,
    dependencies=MANAGE,
    summary="Post Pool",
    responses=error_responses(409),
)
def post_pool(body: PoolCreate, session: DbSession) -> PoolRead:
    create(session, body)
    session.commit()
    return PoolRead(**pool_fields(get_usage(session, body.name)))


@router.patch(
    "/pools/{pool_name:path}",
    response_model=PoolRead,
    dependencies=MANAGE,
    summary="Patch Pool",
    responses=error_responses(400, 404),
)
def patch_pool(
    pool_name: str, body: PoolPatch, session: DbSession, update_mask: UpdateMask = None
) -> PoolRead:
    """Change the slots, description or ``include_deferred`` (those ``update_mask`` names)."""
    change(session, pool_name, body, update_mask)
    session.commit()
    return PoolRead(**pool_fields(get_usage(session, pool_name)))


@router.delete(
    "/pools/{pool_name:path}",
    status_code=204,
    dependencies=MANAGE,
    summary="Delete Pool",
    responses=error_responses(400, 404),
)
def delete_pool(pool_name: str, session: DbSession) -> Response:
    remove(session, pool_name)
    session.commit()
    return Response(status_code=204)


# -- the operations, shared with /api/v1 -------------------------------------------------------


def not_found(pool_name: str) -> HTTPException:
    return HTTPException(404, f"The Pool with name: {pool_name!r} was not found")


def pool_fields(pool: PoolUsage) -> dict[str, Any]:
    """What every shape of a pool shows."""
    return {
        "name": pool.name,
        "slots": pool.slots,
        "description": pool.description,
        "include_deferred": pool.include_deferred,
        "occupied_slots": pool.occupied,
        "running_slots": pool.running,
        "queued_slots": pool.queued,
        "scheduled_slots": pool.scheduled,
        "open_slots": pool.open,
        "deferred_slots": pool.deferred,
    }


def get_usage(session: Session, pool_name: str) -> PoolUsage:
    usage = pool_repo.get_pool_usage(session=session, name=pool_name)
    if usage is None:
        raise not_found(pool_name)
    return usage


def list_usage(
    state: ApiState,
    session: Session,
    limit: int,
    offset: int,
    order_by: list[str] | None,
    name_pattern: str | None,
) -> tuple[list[PoolUsage], int]:
    return pool_repo.list_pool_page(
        session=session,
        name_pattern=name_pattern,
        order_by=parse_order_by(order_by, pool_repo.POOL_ORDER_FIELDS, default=(("name", False),)),
        limit=state.page_limit(limit),
        offset=offset,
    )


def create(session: Session, body: PoolCreate) -> None:
    if pool_repo.get_pool(session=session, name=body.name) is not None:
        raise HTTPException(
            409,
            f"The Pool with name: {body.name!r} already exists; change it with a PATCH instead.",
        )
    pool_repo.create_pool(
        session=session,
        name=body.name,
        slots=body.slots,
        description=body.description,
        include_deferred=body.include_deferred,
    )


def change(
    session: Session,
    pool_name: str,
    body: PoolPatch | PoolV1Patch | PoolCreate,
    update_mask: list[str] | None,
) -> None:
    if body.name is not None and body.name != pool_name:
        raise HTTPException(
            400,
            f"The pool name in the body ({body.name!r}) is not the one in the path "
            f"({pool_name!r}); a pool cannot be renamed: its tasks name it. Create the new "
            "pool, move the tasks to it, then delete the old one.",
        )
    fields = masked_fields(body, update_mask, PATCHABLE)
    for name in ("slots", "include_deferred"):
        if name in fields and fields[name] is None:
            raise HTTPException(400, f"{name} cannot be null: give a value, or leave it out.")
    if not pool_repo.update_pool(session=session, name=pool_name, **fields):
        raise not_found(pool_name)


def remove(session: Session, pool_name: str) -> None:
    if not pool_repo.delete_pool(session=session, name=pool_name):
        raise not_found(pool_name)


# -- bulk ------------------------------------------------------------------------------------


def _bulk_overwrite(session: Session, entity: PoolCreate) -> None:
    change(session, entity.name, entity, list(PATCHABLE))


def _bulk_update(session: Session, entity: PoolCreate, update_mask: list[str] | None) -> None:
    change(session, entity.name, entity, update_mask)


def _existing(session: Session, names: list[str]) -> set[str]:
    return {name for name in names if pool_repo.get_pool(session=session, name=name) is not None}


BULK = BulkResource[PoolCreate](
    noun="pools",
    key_name="names",
    key=lambda entity: entity.name,
    existing=_existing,
    create=create,
    overwrite=_bulk_overwrite,
    update=_bulk_update,
    delete=remove,
)
