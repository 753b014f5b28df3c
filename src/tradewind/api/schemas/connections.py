"""Connections (Airflow's ``ConnectionResponse``, ``ConnectionBody``…), and their Airflow 2
(``/api/v1``) shapes. Responses never hold a password: it reads as ``***`` when one is set."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tradewind.api.schemas.bulk import BulkCreate, BulkDelete, BulkUpdate
from tradewind.api.schemas.common import ReadModel, RequestBody

#: Airflow's rule for connection ids (letters, digits, ``_``, ``.``, ``-``), in ASCII.
CONNECTION_ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
#: Connection types are identifiers (``postgres``, ``google_cloud_platform``, ``http``).
CONN_TYPE_PATTERN = r"^[A-Za-z0-9_.+-]+$"

ConnectionId = Annotated[str, Field(min_length=1, max_length=200, pattern=CONNECTION_ID_PATTERN)]

#: Airflow's multi-team field; Tradewind has no teams, so only null is accepted.
NoTeam = Annotated[None, Field(description="Tradewind has no teams: leave it out or null.")]


class ConnectionV1ItemRead(ReadModel):
    """A connection in an ``/api/v1`` list: no password, no extra."""

    connection_id: str
    conn_type: str
    description: str | None
    host: str | None
    login: str | None
    schema_: str | None = Field(alias="schema")
    port: int | None


class ConnectionV1Read(ConnectionV1ItemRead):
    """One connection from ``/api/v1``: the extra, with the values of secret keys masked."""

    extra: str | None


class ConnectionRead(ConnectionV1Read):
    #: ``***`` when the connection has a password, null when it has none.
    password: str | None
    team_name: str | None = None


class ConnectionCollectionRead(ReadModel):
    connections: list[ConnectionRead]
    total_entries: int


class ConnectionV1CollectionRead(ReadModel):
    connections: list[ConnectionV1ItemRead]
    total_entries: int


class ConnectionTestRead(ReadModel):
    status: bool
    message: str


class ConnectionCreate(RequestBody):
    """``POST`` and ``PATCH /connections`` (and ``/api/v1``'s): ``extra`` is a JSON object as
    text, as in Airflow (anything else is refused with a 400; empty text means ``{}``)."""

    connection_id: ConnectionId
    conn_type: str = Field(min_length=1, max_length=500, pattern=CONN_TYPE_PATTERN)
    description: str | None = None
    host: str | None = Field(None, max_length=500)
    login: str | None = None
    schema_: str | None = Field(None, alias="schema", max_length=500)
    port: int | None = Field(None, ge=1, le=65535)
    password: str | None = None
    extra: str | None = None
    team_name: NoTeam = None


# -- bulk (PATCH /connections) ----------------------------------------------------------------


class ConnectionBulkCreate(BulkCreate[ConnectionCreate]):
    pass


class ConnectionBulkUpdate(BulkUpdate[ConnectionCreate]):
    pass


class ConnectionBulkDelete(BulkDelete[ConnectionId | ConnectionCreate]):
    pass


ConnectionBulkAction = Annotated[
    ConnectionBulkCreate | ConnectionBulkUpdate | ConnectionBulkDelete,
    Field(discriminator="action"),
]


class ConnectionBulkBody(RequestBody):
    actions: list[ConnectionBulkAction]
