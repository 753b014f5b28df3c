"""The field names of dataclasses, looked up once per class: the codecs' hot path."""

from __future__ import annotations

from dataclasses import fields

__all__ = ["field_names"]

_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, or None for any other class (remembered per class)."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in fields(cls)) if hasattr(cls, "__dataclass_fields__") else None
        _FIELD_NAMES[cls] = names
        return names
