"""Choosing a response's media type from the request's ``Accept`` header.

Routes that answer in more than one form (JSON or a text stream) offer their types in order
of preference; the client's weights (``q=``) decide, ties go to the route's order, and no
header (or ``*/*``) means the first. Nothing acceptable is a 406 naming what is offered.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException

JSON = "application/json"
NDJSON = "application/x-ndjson"
TEXT = "text/plain"


def _ranges(accept: str) -> list[tuple[str, float]]:
    """``Accept`` as (media range, weight) pairs; unparsable weights count as 1."""
    ranges = []
    for item in accept.split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        if not media:
            continue
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    weight = 1.0
        ranges.append((media.lower(), weight))
    return ranges


def _weight(offered: str, ranges: list[tuple[str, float]]) -> float:
    """The weight of the most specific range that matches ``offered`` (-1: none does)."""
    kind = offered.split("/")[0]
    best, specificity = -1.0, -1
    for media, weight in ranges:
        if media == offered:
            rank = 2
        elif media == f"{kind}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        if rank > specificity:
            best, specificity = weight, rank
    return best


def negotiate(accept: str | None, offered: Sequence[str]) -> str:
    """The type of ``offered`` to answer with; a 406 if the client takes none of them."""
    ranges = _ranges(accept or "")
    if not ranges:
        return offered[0]
    weights = [_weight(media, ranges) for media in offered]
    best = max(weights)
    if best <= 0:
        raise HTTPException(
            406, f"This resource is available as {', '.join(offered)}; ask for one in Accept."
        )
    return offered[weights.index(best)]
