"""Pools (Airflow's ``PoolResponse``, ``PoolBody``, ``PoolPatchBody``), and their Airflow 2
(``/api/v1``) shape."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tradewind.api.params import INT_MAX
from tradewind.api.schemas.bulk import BulkCreate, BulkDelete, BulkUpdate
from tradewind.api.schemas.common import ReadModel, RequestBody
from tradewind.storage.rows.base import ID_LENGTH

PoolName = Annotated[str, Field(min_length=1, max_length=ID_LENGTH)]
PoolSlots = Annotated[int, Field(ge=-1, le=INT_MAX, description="Slots; -1 for no limit.")]

#: Airflow's multi-team field; Tradewind has no teams, so only null is accepted.
NoTeam = Annotated[None, Field(description="Tradewind has no teams: leave it out or null.")]


class PoolV1Read(ReadModel):
    """A pool and the slots its task instances hold; ``open_slots`` is -1 without a limit."""

    name: str
    slots: int
    description: str | None
    include_deferred: bool
    occupied_slots: int
    running_slots: int
    queued_slots: int
    scheduled_slots: int
    open_slots: int
    deferred_slots: int


class PoolRead(PoolV1Read):
    team_name: str | None = None


class PoolCollectionRead(ReadModel):
    pools: list[PoolRead]
    total_entries: int


class PoolV1CollectionRead(ReadModel):
    pools: list[PoolV1Read]
    total_entries: int


class PoolCreate(RequestBody):
    name: PoolName
    slots: PoolSlots
    description: str | None = None
    include_deferred: bool = False
    team_name: NoTeam = None


class PoolPatch(RequestBody):
    """``PATCH /api/v2/pools/{pool_name}``: the name (``pool``) may only repeat the path's;
    ``slots`` and ``include_deferred`` may not be null (400)."""

    name: PoolName | None = Field(None, alias="pool")
    slots: PoolSlots | None = None
    description: str | None = None
    include_deferred: bool | None = None
    team_name: NoTeam = None


class PoolV1Patch(RequestBody):
    """``PATCH /api/v1/pools/{pool_name}``: Airflow 2 calls the name ``name``."""

    name: PoolName | None = None
    slots: PoolSlots | None = None
    description: str | None = None
    include_deferred: bool | None = None


# -- bulk (PATCH /pools) --------------------------------------------------------------------


class PoolBulkCreate(BulkCreate[PoolCreate]):
    pass


class PoolBulkUpdate(BulkUpdate[PoolCreate]):
    pass


class PoolBulkDelete(BulkDelete[PoolName | PoolCreate]):
    pass


PoolBulkAction = Annotated[
    PoolBulkCreate | PoolBulkUpdate | PoolBulkDelete, Field(discriminator="action")
]


class PoolBulkBody(RequestBody):
    actions: list[PoolBulkAction]
