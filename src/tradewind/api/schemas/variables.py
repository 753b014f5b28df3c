"""Variables (Airflow's ``VariableResponse``, ``VariableBody``, bulk bodies), and their
Airflow 2 (``/api/v1``) shapes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, JsonValue

from tradewind.api.schemas.bulk import BulkCreate, BulkDelete, BulkUpdate
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


class VariableBulkCreate(BulkCreate[VariableCreate]):
    pass


class VariableBulkUpdate(BulkUpdate[VariableCreate]):
    pass


class VariableBulkDelete(BulkDelete[VariableKey | VariableCreate]):
    pass


VariableBulkAction = Annotated[
    VariableBulkCreate | VariableBulkUpdate | VariableBulkDelete, Field(discriminator="action")
]


class VariableBulkBody(RequestBody):
    actions: list[VariableBulkAction]
