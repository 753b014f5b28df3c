"""Pieces every schema module uses, and the bodies of error responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """A request body: fields it does not know are refused (HTTP 422 naming them)."""

    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    """A response body."""

    model_config = ConfigDict(populate_by_name=True)


class ErrorRead(ReadModel):
    """Every error but a validation error: what went wrong and what to do, and the status."""

    detail: str | dict[str, Any]
    title: str


class FieldErrorRead(ReadModel):
    """One bad field of a request: where (``["query", "limit"]``), what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str
    ctx: dict[str, Any] | None = None


class ValidationErrorRead(ReadModel):
    """HTTP 422: each bad field, and a one-line summary naming them in ``title``."""

    detail: list[FieldErrorRead]
    title: str
