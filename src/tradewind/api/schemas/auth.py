"""Logging in (``POST /auth/token``)."""

from __future__ import annotations

from pydantic import Field

from tradewind.api.schemas.common import ReadModel, RequestBody


class LoginCreate(RequestBody):
    username: str = Field(min_length=1, max_length=250)
    password: str = Field(min_length=1, max_length=4096)


class TokenRead(ReadModel):
    access_token: str
    token_type: str = "bearer"
