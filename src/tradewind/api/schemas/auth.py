"""Logging in (``POST /auth/token``, and the login form's ``POST /auth/login``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tradewind.api.schemas.common import ReadModel, RequestBody


class LoginCreate(RequestBody):
    username: str = Field(min_length=1, max_length=250)
    password: str = Field(min_length=1, max_length=4096)


class TokenRead(ReadModel):
    access_token: str
    token_type: str = "bearer"


class LoginForm(BaseModel):
    """The login form's fields; others (a browser may send its button's) are ignored."""

    username: str = Field(min_length=1, max_length=250)
    password: str = Field(min_length=1, max_length=4096)
    #: Where to go after logging in: a path on this server (anything else goes to ``/``).
    next: str | None = None
