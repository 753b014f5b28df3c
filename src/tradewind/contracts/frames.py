"""Frames: the bytes that carry workloads, requests and events between processes.

A frame is a 4-byte big-endian unsigned length followed by that many bytes of UTF-8 JSON,
one JSON object per frame. Values that JSON cannot hold are tagged objects
``{"__tw__": tag, ...}``: tuples, dicts with non-string keys (or with a ``"__tw__"`` key),
datetimes, the contract enums and the contract dataclasses (``ExecuteTask``,
``RunDagCallbacks``, ``TaskEvent``, ``TaskInstanceKey``, ``DagRunInfo``), so what is sent
decodes to equal objects. A dataclass's fields that hold their default are left out (the
decoder restores them), which keeps the frequent messages small.

This module is the codec only (objects ⇄ bytes, no I/O); the message kinds and the
conversation they make are specified in :mod:`tradewind.runtime.comms`.
"""

from __future__ import annotations

import json
import struct
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from tradewind.contracts.dataclass_fields import field_defaults, field_names
from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunInfo, DagRunType, TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState
from tradewind.contracts.workloads import ExecuteTask, RunDagCallbacks

__all__ = [
    "EXECUTION_METHODS",
    "MAX_FRAME_BYTES",
    "FrameDecoder",
    "FrameError",
    "Kind",
    "encode_frame",
    "error_to_wire",
    "from_wire",
    "to_wire",
]

#: Frames larger than this are refused: a corrupt stream, not a real message.
MAX_FRAME_BYTES: Final = 1 << 30

_HEADER = struct.Struct(">I")
_TAG = "__tw__"

_DATACLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (ExecuteTask, RunDagCallbacks, TaskEvent, TaskInstanceKey, DagRunInfo)
}
_ENUMS: dict[str, type[StrEnum]] = {cls.__name__: cls for cls in (DagRunType, TaskInstanceState)}

#: The ``ExecutionClient`` operations a running task may request; nothing else is served.
EXECUTION_METHODS: Final = frozenset(
    {
        "get_run_info",
        "get_xcom",
        "get_prior_xcom",
        "list_xcom",
        "set_xcom",
        "get_task_states",
        "get_variable",
        "get_connection",
        "trigger_dag_run",
        "get_dag_run_state",
    }
)


class Kind(StrEnum):
    """The ``"kind"`` of a message (see :mod:`tradewind.runtime.comms` for who sends which)."""

    READY = "ready"
    WORKLOAD = "workload"
    STARTED = "started"
    REQUEST = "request"
    RESPONSE = "response"
    EVENT = "event"
    HEARTBEAT = "heartbeat"
    STOP = "stop"
    KILL = "kill"
    CALLBACKS = "callbacks"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return self.value


class FrameError(ValueError):
    """Bytes that are not a valid frame: the stream is corrupt and must be closed."""


#: Types sent as they are (exactly these: an enum that is also a ``str`` is tagged).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_wire(value: Any) -> Any:
    """``value`` as plain JSON data, tagging what JSON cannot hold."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if _ENUMS.get(kind.__name__) is kind:
        return {_TAG: kind.__name__, "value": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        if _TAG not in value and all(isinstance(k, str) for k in value):
            return {k: to_wire(v) for k, v in value.items()}
        return {_TAG: "dict", "items": [[to_wire(k), to_wire(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "items": [to_wire(item) for item in value]}
    if isinstance(value, datetime):
        return {_TAG: "datetime", "value": value.isoformat()}
    if _DATACLASSES.get(kind.__name__) is kind:
        defaults = field_defaults(kind)
        fields = {}
        for name in field_names(kind) or ():
            item = getattr(value, name)
            if name in defaults and _is_default(item, defaults[name]):
                continue
            fields[name] = to_wire(item)
        return {_TAG: kind.__name__, "fields": fields}
    raise TypeError(
        f"Cannot send a {kind.__module__}.{kind.__qualname__} between processes; "
        "frames carry JSON data, datetimes, tuples and the contract types only."
    )


def _is_default(value: Any, default: Any) -> bool:
    # Same type too: True == 1 and 0.0 == 0, yet each must decode as it was sent.
    return value is default or (type(value) is type(default) and value == default)


def from_wire(data: Any) -> Any:
    """The inverse of :func:`to_wire`."""
    if isinstance(data, list):
        return [from_wire(item) for item in data]
    if not isinstance(data, dict):
        return data
    tag = data.get(_TAG)
    if tag is None:
        return {k: from_wire(v) for k, v in data.items()}
    if tag == "tuple":
        return tuple(from_wire(item) for item in data["items"])
    if tag == "dict":
        return {from_wire(k): from_wire(v) for k, v in data["items"]}
    if tag == "datetime":
        return datetime.fromisoformat(data["value"])
    if tag in _ENUMS:
        return _ENUMS[tag](data["value"])
    if tag in _DATACLASSES:
        return _DATACLASSES[tag](**{k: from_wire(v) for k, v in data["fields"].items()})
    raise FrameError(f"Unknown tag {tag!r} in a frame.")


def encode_frame(message: dict[str, Any], *, wire: bool = False) -> bytes:
    """One frame holding ``message``, its values tagged with :func:`to_wire`.

    With ``wire=True`` the message is already wire data (as :class:`FrameDecoder` gave it)
    and is sent unchanged: what a relay does.
    """
    data = message if wire else to_wire(message)
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    if len(body) > MAX_FRAME_BYTES:
        raise FrameError(f"A message of {len(body)} bytes exceeds the frame limit.")
    return _HEADER.pack(len(body)) + body


def error_to_wire(error: BaseException) -> dict[str, Any]:
    """A request's failure as data: the error's class name, message and simple attributes."""
    attrs = {
        name: value
        for name, value in getattr(error, "__dict__", {}).items()
        if value is None or isinstance(value, bool | int | float | str)
    }
    return {"type": type(error).__name__, "message": str(error), "attrs": attrs}


class FrameDecoder:
    """Splits a byte stream into messages; feed it whatever arrived, in any chunk sizes.

    Messages come out as plain JSON objects (still tagged): a relay can forward them as
    they are, and an end point decodes them with :func:`from_wire`.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        messages: list[dict[str, Any]] = []
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            if length > MAX_FRAME_BYTES:
                raise FrameError(f"A frame announces {length} bytes, more than the limit.")
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            body = bytes(self._buffer[_HEADER.size : end])
            del self._buffer[:end]
            try:
                message = json.loads(body)
            except ValueError as error:
                raise FrameError(f"A frame is not UTF-8 JSON: {error}") from None
            if not isinstance(message, dict) or "kind" not in message:
                raise FrameError("A frame does not hold a message object with a 'kind'.")
            messages.append(message)
        return messages

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still buffered."""
        return len(self._buffer)
