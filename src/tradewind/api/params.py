"""Query parameters the endpoints share: paging, ``order_by``, states, date ranges, and
``update_mask`` of the ``PATCH`` routes.

As in Airflow: ``limit`` (default 50, capped at ``[api] maximum_page_limit``) and ``offset``
page; ``order_by`` names fields, each optionally prefixed with ``-`` for descending, given
once per field or comma-separated; a field that cannot be ordered by is a 400 naming it.
States are given once per value; ``none`` (or ``no_status``) stands for "no state yet".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Path, Query
from pydantic import AwareDatetime, BaseModel

from tradewind.api.errors import invalid_field
from tradewind.storage.repos.listing import Bound

E = TypeVar("E", bound=StrEnum)

#: Largest value an integer path or query parameter takes (PostgreSQL's INTEGER).
INT_MAX = 2**31 - 1

Limit = Annotated[int, Query(ge=0, le=2**53, description="Entries per page (at most 100).")]
Offset = Annotated[int, Query(ge=0, le=2**53, description="Entries to skip.")]
OrderByList = Annotated[
    list[str] | None,
    Query(description="Fields to order by; prefix a field with '-' for descending order."),
]
MapIndexPath = Annotated[int, Path(ge=-1, le=INT_MAX)]
MapIndexQuery = Annotated[int, Query(ge=-1, le=INT_MAX)]
TryNumberPath = Annotated[int, Path(ge=0, le=INT_MAX)]
#: A ``PATCH``'s ``update_mask``: see :func:`masked_fields`.
UpdateMask = Annotated[list[str] | None, Query(description="The fields to change.")]


#: How a state filter spells "no state yet".
NO_STATE = ("none", "no_status")


def values_of(enum: type[StrEnum], *extra: str) -> dict[str, Any]:
    """The ``json_schema_extra`` of a repeated filter taking ``enum``'s values (and ``extra``):
    the OpenAPI document lists them, while the route still names a bad value itself."""
    return {"items": {"type": "string", "enum": [member.value for member in enum] + list(extra)}}


def parse_order_by(
    values: Iterable[str] | None,
    allowed: Collection[str],
    *,
    default: tuple[tuple[str, bool], ...],
    aliases: Mapping[str, str] | None = None,
) -> list[tuple[str, bool]]:
    """``["-start_date", "dag_id"]`` → ``[("start_date", True), ("dag_id", False)]``."""
    result: list[tuple[str, bool]] = []
    for value in values or ():
        for part in value.split(","):
            name = part.strip()
            if not name:
                continue
            descending = name.startswith("-")
            field = name.lstrip("-")
            field = (aliases or {}).get(field, field)
            if field not in allowed:
                raise HTTPException(
                    400,
                    f"Ordering with {field!r} is disallowed or the attribute does not exist on "
                    f"the model; order_by takes {', '.join(sorted(allowed))} (prefix '-' for "
                    "descending).",
                )
            result.append((field, descending))
    return result or list(default)


def parse_states(
    values: Iterable[str | None] | None,
    enum: type[E],
    *,
    field: str = "state",
    location: str = "query",
) -> set[E | None] | None:
    """State filter values → states (None for "no state"); None when no value was given."""
    if not values:
        return None
    states: set[E | None] = set()
    for value in values:
        if value is None or value.strip().lower() in ("none", "no_status", "null"):
            states.add(None)
            continue
        try:
            states.add(enum(value.strip().lower()))
        except ValueError:
            raise invalid_field(
                (location, field),
                f"Invalid value for {field}: {value!r}. Valid values are "
                f"{', '.join(member.value for member in enum)}, none.",
                "enum",
            ) from None
    return states


class DateRanges(BaseModel):
    """The ``…_gte``/``…_gt``/``…_lte``/``…_lt`` filters of runs and task instances."""

    run_after_gte: AwareDatetime | None = None
    run_after_gt: AwareDatetime | None = None
    run_after_lte: AwareDatetime | None = None
    run_after_lt: AwareDatetime | None = None
    logical_date_gte: AwareDatetime | None = None
    logical_date_gt: AwareDatetime | None = None
    logical_date_lte: AwareDatetime | None = None
    logical_date_lt: AwareDatetime | None = None
    start_date_gte: AwareDatetime | None = None
    start_date_gt: AwareDatetime | None = None
    start_date_lte: AwareDatetime | None = None
    start_date_lt: AwareDatetime | None = None
    end_date_gte: AwareDatetime | None = None
    end_date_gt: AwareDatetime | None = None
    end_date_lte: AwareDatetime | None = None
    end_date_lt: AwareDatetime | None = None


def bounds_of(model: Any) -> list[Bound]:
    """The date bounds set on a model with ``DateRanges``' fields."""
    bounds: list[Bound] = []
    for name in DateRanges.model_fields:
        value: datetime | None = getattr(model, name, None)
        if value is None:
            continue
        field, _, op = name.rpartition("_")
        bounds.append(Bound(field, op, value))  # type: ignore[arg-type]
    return bounds


def unsupported(model: Any, names: Iterable[str]) -> None:
    """A 400 naming the first of ``names`` that ``model`` sets: fields Airflow has and
    Tradewind does not filter or act on yet (refused rather than silently ignored)."""
    for name in names:
        if getattr(model, name, None) is not None:
            raise HTTPException(400, f"{name} is not supported yet: leave it out.")


def masked_fields(
    body: BaseModel, update_mask: list[str] | None, allowed: Mapping[str, str]
) -> dict[str, Any]:
    """The fields a ``PATCH`` body sets, by their API names.

    With an ``update_mask``, the fields it names, each to the body's value (null when the
    body leaves it out); without one, the fields the body gives. ``allowed`` maps the names
    a mask may use to the body's attributes; any other name is a 400 naming it.
    """
    if not update_mask:
        return {
            name: getattr(body, attribute)
            for name, attribute in allowed.items()
            if attribute in body.model_fields_set
        }
    names = {part.strip() for value in update_mask for part in value.split(",") if part.strip()}
    unknown = sorted(names - set(allowed))
    if unknown:
        raise HTTPException(
            400,
            f"update_mask names field(s) that cannot be changed: {', '.join(unknown)}; "
            f"it takes {', '.join(allowed)}.",
        )
    return {name: getattr(body, allowed[name]) for name in allowed if name in names}
