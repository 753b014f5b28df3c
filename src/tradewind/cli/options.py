"""Parsing of option values shared by commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click


def parse_conf(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    try:
        conf = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(conf, dict):
        raise click.BadParameter("must be a JSON object, e.g. '{\"n\": 3}'")
    return conf


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or time, e.g. 2024-01-31 or 2024-01-31T06:00:00+00:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
