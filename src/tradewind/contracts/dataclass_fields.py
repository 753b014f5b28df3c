"""The field names of dataclasses, looked up once per class: the codecs' hot path."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

__all__ = ["field_defaults", "field_names"]

_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}
_FIELD_DEFAULTS: dict[type, dict[str, Any]] = {}


def field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, or None for any other class (remembered per class)."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in fields(cls)) if hasattr(cls, "__dataclass_fields__") else None
        _FIELD_NAMES[cls] = names
        return names


def field_defaults(cls: type) -> dict[str, Any]:
    """The default of each field of a dataclass that has one (a factory's value made once)."""
    try:
        return _FIELD_DEFAULTS[cls]
    except KeyError:
        defaults: dict[str, Any] = {}
        for item in fields(cls):
            if item.default is not MISSING:
                defaults[item.name] = item.default
            elif item.default_factory is not MISSING:
                defaults[item.name] = item.default_factory()
        _FIELD_DEFAULTS[cls] = defaults
        return defaults
