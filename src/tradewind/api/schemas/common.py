"""Pieces every schema module uses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """A request body: fields it does not know are refused (HTTP 422 naming them)."""

    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    """A response body."""

    model_config = ConfigDict(populate_by_name=True)
