"""Time zones a timetable can hold, and their JSON form.

Only two kinds are accepted because only they round-trip exactly through JSON: an IANA
``zoneinfo.ZoneInfo`` (stored by its key, e.g. ``"Europe/Amsterdam"``) and a fixed-offset
``datetime.timezone`` such as ``datetime.UTC`` (stored as ``"+00:00"``). The two kinds get
distinct forms so that ``ZoneInfo("UTC")`` and ``datetime.UTC`` each come back as
themselves.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tradewind.errors import InvalidScheduleError

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def resolve_timezone(value: object) -> tzinfo:
    """Turn a name, ``ZoneInfo`` or fixed ``timezone`` into a tzinfo a timetable can keep."""
    if isinstance(value, str):
        return _zone_from_name(value)
    if isinstance(value, ZoneInfo):
        if value.key is None:
            raise InvalidScheduleError(
                f"Time zone {value!r} was loaded from a file and has no IANA name, so it "
                "cannot be stored; use ZoneInfo('Area/City') instead."
            )
        # Subclasses (pendulum 3's Timezone is one) become a plain ZoneInfo so equality
        # and serialization do not depend on which library built the zone.
        return value if type(value) is ZoneInfo else ZoneInfo(value.key)
    if isinstance(value, timezone):
        if value.utcoffset(None) % timedelta(minutes=1):
            raise InvalidScheduleError(
                f"Time zone {value!r} has an offset with seconds; use whole minutes."
            )
        return value
    raise InvalidScheduleError(
        f"Unsupported time zone {value!r} ({type(value).__name__}); use an IANA name such "
        "as 'Europe/Amsterdam', zoneinfo.ZoneInfo('Europe/Amsterdam') or datetime.UTC."
    )


def encode_timezone(zone: tzinfo) -> str:
    """The JSON form of a zone returned by :func:`resolve_timezone`."""
    if isinstance(zone, ZoneInfo) and zone.key is not None:
        return zone.key
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(offset) // timedelta(minutes=1)
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    raise InvalidScheduleError(f"Time zone {zone!r} cannot be serialized.")


def decode_timezone(value: object) -> tzinfo:
    """Inverse of :func:`encode_timezone`."""
    if not isinstance(value, str):
        raise InvalidScheduleError(f"A serialized time zone must be a string, got {value!r}.")
    match = _OFFSET.match(value)
    if match is None:
        return _zone_from_name(value)
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == "-" else offset)


def _zone_from_name(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidScheduleError(
            f"Unknown time zone {name!r}; use an IANA name such as 'UTC' or 'America/New_York'."
        ) from exc
