"""JSON for the API's busiest answers (lists of runs), written by orjson instead of pydantic.

A route that builds its body as plain dicts in its response model's field order returns
``json_response(body)``, and keeps ``response_model`` for the OpenAPI document: FastAPI
sends a ``Response`` as it is. The bytes are those pydantic writes for the model (tests
compare them): timestamps in UTC ending in ``Z`` (naive ones are taken as UTC), floats in
their shortest form, text as UTF-8. Skipping the model's validation and serialization
saves about half a millisecond per hundred runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pydantic_core
from fastapi import Response
from pydantic import BaseModel

_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def _aware(value: Any) -> Any:
    """``value`` with every naive datetime in it made UTC (for pydantic's encoder)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, dict):
        return {key: _aware(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_aware(item) for item in value]
    return value


def dumps(content: Any) -> bytes:
    """``content`` (dicts, lists, text, numbers, datetimes) as compact JSON."""
    try:
        return orjson.dumps(content, option=_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson cannot write (an integer beyond 64 bits in a run's conf) pydantic can.
        return pydantic_core.to_json(_aware(content))


def verbatim(text: str | None) -> Any:
    """A JSON column's text, for :func:`dumps` to write as it is instead of reading it into
    Python and writing it again (a tenth of a millisecond per hundred runs' confs)."""
    if text is None:
        return None
    if "NaN" in text or "Infinity" in text:
        # Maybe not JSON (SQLite keeps what Python's json writes): rewritten, NaN as null.
        text = pydantic_core.to_json(json.loads(text), inf_nan_mode="null").decode()
    return orjson.Fragment(text)


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as the route's JSON answer, written in the route's worker thread.

    A plain ``def`` route that returns a model has FastAPI check the model again in a
    second hop to a worker thread; each hop waits for the event loop's turn, tens of
    milliseconds when other requests keep it busy.
    """
    return Response(
        model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
    )


def json_response(content: Any, status_code: int = 200) -> Response:
    return Response(dumps(content), status_code=status_code, media_type="application/json")
