"""Encoding task results (XCom values) as JSON text that any process can decode.

Plain JSON types pass through. Other common types are wrapped as ``{"__tw__": tag, ...}``:
tuples, sets, dates and times, decimals, bytes, UUIDs, paths, dicts with non-string keys,
dataclasses, NumPy arrays and scalars, pandas DataFrames and Series. A value that cannot be
encoded raises :class:`XComSerializationError` naming its type and what to do.

The runtime encodes and decodes values for tasks (:func:`serialize`, :func:`deserialize`);
the REST API shows them to people as plain JSON (:func:`to_plain_json`), which needs neither
the value's classes nor NumPy or pandas.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import io
import json
import pathlib
import uuid
from typing import Any

from tradewind.errors import TradewindError

_TAG = "__tw__"


class XComSerializationError(TradewindError, TypeError):
    """A task returned (or pushed) a value Tradewind cannot pass to other tasks."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and _TAG not in value:
            return {k: _encode(v) for k, v in value.items()}
        return {_TAG: "dict", "items": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "items": [_encode(item) for item in value]}
    if isinstance(value, set | frozenset):
        return {_TAG: type(value).__name__, "items": [_encode(item) for item in value]}
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "value": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "value": value.isoformat()}
    if isinstance(value, dt.time):
        return {_TAG: "time", "value": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {_TAG: "timedelta", "value": value.total_seconds()}
    if isinstance(value, decimal.Decimal):
        return {_TAG: "decimal", "value": str(value)}
    if isinstance(value, bytes):
        return {_TAG: "bytes", "value": base64.b64encode(value).decode()}
    if isinstance(value, uuid.UUID):
        return {_TAG: "uuid", "value": str(value)}
    if isinstance(value, pathlib.PurePath):
        return {_TAG: "path", "value": str(value)}
    module = type(value).__module__.split(".")[0]
    if module == "numpy":
        return _encode_numpy(value)
    if module == "pandas":
        return _encode_pandas(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _TAG: "dict",
            "items": [[f.name, _encode(getattr(value, f.name))] for f in dataclasses.fields(value)],
        }
    raise XComSerializationError(
        f"Cannot pass a {type(value).__module__}.{type(value).__qualname__} between tasks. "
        "Return JSON-like data (dicts, lists, numbers, strings), dates, NumPy arrays or pandas "
        "objects; for large data, write it to storage and return its path."
    )


def _encode_numpy(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {_TAG: "ndarray", "value": base64.b64encode(buffer.getvalue()).decode()}
    if isinstance(value, np.generic):
        return _encode(value.item())
    raise XComSerializationError(
        f"Cannot pass the NumPy object {type(value).__name__} between tasks."
    )


def _encode_pandas(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, pd.DataFrame | pd.Series):
        kind = "dataframe" if isinstance(value, pd.DataFrame) else "series"
        return {_TAG: kind, "value": value.to_json(orient="table", date_format="iso")}
    if isinstance(value, pd.Timestamp):
        return {_TAG: "datetime", "value": value.isoformat()}
    raise XComSerializationError(
        f"Cannot pass the pandas object {type(value).__name__} between tasks."
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _decode(v) for k, v in value.items()}
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise XComSerializationError(f"Unknown encoded XCom type {tag!r}.")
    return decoder(value)


def _decode_ndarray(value: dict[str, Any]) -> Any:
    import numpy as np

    return np.load(io.BytesIO(base64.b64decode(value["value"])), allow_pickle=False)


def _decode_pandas(value: dict[str, Any]) -> Any:
    import pandas as pd

    frame = pd.read_json(io.StringIO(value["value"]), orient="table")
    if value[_TAG] == "series":
        return frame.iloc[:, 0]
    return frame


_DECODERS: dict[str, Any] = {
    "dict": lambda v: {_decode(k): _decode(item) for k, item in v["items"]},
    "tuple": lambda v: tuple(_decode(item) for item in v["items"]),
    "set": lambda v: {_decode(item) for item in v["items"]},
    "frozenset": lambda v: frozenset(_decode(item) for item in v["items"]),
    "datetime": lambda v: dt.datetime.fromisoformat(v["value"]),
    "date": lambda v: dt.date.fromisoformat(v["value"]),
    "time": lambda v: dt.time.fromisoformat(v["value"]),
    "timedelta": lambda v: dt.timedelta(seconds=v["value"]),
    "decimal": lambda v: decimal.Decimal(v["value"]),
    "bytes": lambda v: base64.b64decode(v["value"]),
    "uuid": lambda v: uuid.UUID(v["value"]),
    "path": lambda v: pathlib.Path(v["value"]),
    "ndarray": _decode_ndarray,
    "dataframe": _decode_pandas,
    "series": _decode_pandas,
}


def serialize(value: Any) -> str:
    """JSON text for ``value``; raises :class:`XComSerializationError` if it has no encoding."""
    return json.dumps(_encode(value), separators=(",", ":"), allow_nan=True)


def deserialize(text: str) -> Any:
    return _decode(json.loads(text))


# -- plain JSON for people ---------------------------------------------------------------------

#: Tags whose ``value`` is already the text a person reads (ISO dates, decimals, UUIDs…).
_TEXT_TAGS = frozenset({"datetime", "date", "time", "decimal", "uuid", "path"})


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _plain(v) for k, v in value.items()}
    if tag in _TEXT_TAGS:
        return value["value"]
    if tag in ("tuple", "set", "frozenset"):
        return [_plain(item) for item in value["items"]]
    if tag == "dict":
        return {_key_text(k): _plain(v) for k, v in value["items"]}
    if tag == "timedelta":
        return str(dt.timedelta(seconds=value["value"]))
    if tag == "bytes":
        return str(base64.b64decode(value["value"]))
    if tag in ("dataframe", "series"):
        # pandas' "table" JSON: {"schema": ..., "data": [records]}, readable without pandas.
        return json.loads(value["value"])
    if tag == "ndarray":
        return _plain_ndarray(value)
    raise XComSerializationError(f"Unknown encoded XCom type {tag!r}.")


def _key_text(key: Any) -> str:
    plain = _plain(key)
    return plain if isinstance(plain, str) else json.dumps(plain)


def _plain_ndarray(value: dict[str, Any]) -> Any:
    try:
        array = _decode_ndarray(value)
    except ImportError:
        return "<a NumPy array: install numpy where the API runs to show its values>"
    return array.tolist()


def to_plain_json(text: str) -> Any:
    """The value encoded in ``text`` as plain JSON: tuples and sets as lists, dates, decimals
    and UUIDs as their text, DataFrames as pandas' table JSON, arrays as nested lists.

    Raises :class:`XComSerializationError` for text this module did not write.
    """
    try:
        return _plain(json.loads(text))
    except (ValueError, KeyError, TypeError) as error:
        raise XComSerializationError(f"The stored XCom value is not valid: {error}") from None
