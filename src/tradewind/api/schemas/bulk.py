"""The bodies and answers of the bulk routes (``PATCH /variables``, ``/connections``, ``/pools``),
Airflow's ``BulkBody`` and ``BulkResponse``.

A body is ``{"actions": [...]}``; each action creates, updates or deletes a list of entities.
Each resource subclasses these with its own entity (``VariableBulkCreate`` …), so the OpenAPI
document names every shape.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from tradewind.api.schemas.common import ReadModel, RequestBody

E = TypeVar("E", bound=BaseModel)
#: What a delete action's entities may be: a key, or an entity whose key is taken.
K = TypeVar("K")


class BulkCreate(RequestBody, Generic[E]):
    action: Literal["create"]
    entities: list[E]
    #: What to do when a key is taken: refuse the whole action, skip that key, or overwrite.
    action_on_existence: Literal["fail", "skip", "overwrite"] = "fail"


class BulkUpdate(RequestBody, Generic[E]):
    action: Literal["update"]
    entities: list[E]
    #: What to do when a key is unknown: refuse the whole action, or skip that key.
    action_on_non_existence: Literal["fail", "skip"] = "fail"
    #: The fields to change (each to the entity's value); without it, the fields it gives.
    update_mask: list[str] | None = None


class BulkDelete(RequestBody, Generic[K]):
    action: Literal["delete"]
    #: Keys, or entities whose keys are taken.
    entities: list[K]
    action_on_non_existence: Literal["fail", "skip"] = "fail"


class BulkActionRead(ReadModel):
    """What one action did: the keys it changed, and why it changed none (it is all or none)."""

    success: list[str] = Field(default_factory=list)
    errors: list[dict[str, object]] = Field(default_factory=list)


class BulkRead(ReadModel):
    """One result per kind of action the request held."""

    create: BulkActionRead | None = None
    update: BulkActionRead | None = None
    delete: BulkActionRead | None = None
