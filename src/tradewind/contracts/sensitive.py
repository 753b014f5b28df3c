"""Which names hold secrets, and hiding the values under them.

As in Airflow, a key or variable name that contains one of :data:`SENSITIVE_NAMES` (in any
case) holds a secret: ``db_password``, ``API_TOKEN``, an extra's ``private_key``. The task log
masker (``runtime.masking``) and the REST API (which never returns such values) share this
one list.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "MASK",
    "SENSITIVE_NAMES",
    "is_sensitive",
    "redact_items",
    "redact_json_text",
    "restore_masked",
    "restore_masked_json_text",
]

#: What a hidden value reads as.
MASK = "***"

#: A key or variable name containing one of these (any case) holds a secret.
SENSITIVE_NAMES = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "credential",
    "keyfile_dict",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "service_account",
    "token",
)


def is_sensitive(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_NAMES)


def redact_items(value: Any) -> Any:
    """``value`` with what sits under a sensitive key, at any depth, replaced by :data:`MASK`."""
    if isinstance(value, dict):
        return {
            key: MASK if isinstance(key, str) and is_sensitive(key) else redact_items(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_items(item) for item in value]
    return value


def restore_masked(new: Any, old: Any) -> Any:
    """``new`` with each :data:`MASK` under a sensitive key put back to ``old``'s value there.

    A client that edits what it read sends the masks back; storing them would lose the
    secrets, so a mask where ``old`` has a value keeps that value.
    """
    if isinstance(new, dict) and isinstance(old, dict):
        restored = {}
        for key, item in new.items():
            if item == MASK and isinstance(key, str) and is_sensitive(key) and key in old:
                restored[key] = old[key]
            else:
                restored[key] = restore_masked(item, old.get(key))
        return restored
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        return [restore_masked(item, before) for item, before in zip(new, old, strict=True)]
    return new


def redact_json_text(text: str) -> str | None:
    """JSON ``text`` with what sits under sensitive keys masked (``text`` itself when nothing
    is); None when ``text`` is not JSON, or nested too deeply to read."""
    try:
        value = json.loads(text)
        redacted = redact_items(value)
        return text if redacted == value else json.dumps(redacted)
    except (ValueError, RecursionError):
        return None


def restore_masked_json_text(new_text: str, old_text: str | None) -> str:
    """``new_text`` with the masks :func:`restore_masked` finds put back from ``old_text``,
    when both are JSON; ``new_text`` as it is otherwise."""
    if old_text is None:
        return new_text
    try:
        new = json.loads(new_text)
        restored = restore_masked(new, json.loads(old_text))
        return new_text if restored == new else json.dumps(restored)
    except (ValueError, RecursionError):
        return new_text
