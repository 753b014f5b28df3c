"""Variables (Airflow's ``VariableResponse``, ``VariableBody``, bulk bodies), and their
Airflow 2 (``/api/v1``) shapes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue

from tradewind.api.schemas.common import ReadModel, RequestBody
from tradewind.storage.rows.base import ID_LENGTH

VariableKey = Annotated[str, Field(min_length=1, max_length=ID_LENGTH)]

#: Airflow's multi-team field; Tradewind has no teams, so only null is accepted.
NoTeam = Annotated[None, Field(description="Tradewind has no teams: leave it out or null.")]


class VariableV1Read(ReadModel):
    """A variable as ``/api/v1`` returns it; ``value`` is ``***`` when it holds a secret."""

    key: str
    value: str | None
    description: str | None


class VariableRead(VariableV1Read):
    is_encrypted: bool
    team_name: str | None = None


class VariableCollectionRead(ReadModel):
    variables: list[VariableRead]
    total_entries: int


class VariableV1CollectionRead(ReadModel):
    variables: list[VariableV1Read]
    total_entries: int


class VariableCreate(RequestBody):
    """``POST`` and ``PATCH /variables``: a value that is not a string is stored as JSON text."""

    key: VariableKey
    #: Any JSON value but null (refused with a 400).
    value: JsonValue
    description: str | None = None
    team_name: NoTeam = None


class VariableV1Create(RequestBody):
    """Airflow 2's body: the value is a string."""

    key: VariableKey
    value: str
    description: str | None = None


# -- bulk (PATCH /variables) ------------------------------------------------------------------


class VariableBulkCreate(RequestBody):
    action: Literal["create"]
    entities: list[VariableCreate]
    #: What to do when a key is taken: refuse the whole action, skip that key, or overwrite.
    action_on_existence: Literal["fail", "skip", "overwrite"] = "fail"


class VariableBulkUpdate(RequestBody):
    action: Literal["update"]
    entities: list[VariableCreate]
    #: What to do when a key is unknown: refuse the whole action, or skip that key.
    action_on_non_existence: Literal["fail", "skip"] = "fail"
    update_mask: list[str] | None = None


class VariableBulkDelete(RequestBody):
    action: Literal["delete"]
    #: Keys, or variables whose keys are taken.
    entities: list[VariableKey | VariableCreate]
    action_on_non_existence: Literal["fail", "skip"] = "fail"


VariableBulkAction = Annotated[
    VariableBulkCreate | VariableBulkUpdate | VariableBulkDelete, Field(discriminator="action")
]


class VariableBulkBody(RequestBody):
    actions: list[VariableBulkAction]


class BulkActionRead(ReadModel):
    """What one action did: the keys it changed, and why it changed none (it is all or none)."""

    success: list[str] = Field(default_factory=list)
    errors: list[dict[str, object]] = Field(default_factory=list)


class BulkRead(ReadModel):
    """One result per kind of action the request held."""

    create: BulkActionRead | None = None
    update: BulkActionRead | None = None
    delete: BulkActionRead | None = None
