"""``Connection``: how to reach an outside system (host, login, password, extras).

``Connection.get("my_db")`` looks in the environment first (``TRADEWIND_CONN_MY_DB``, then
``AIRFLOW_CONN_MY_DB``), whose value is a connection URI
(``postgres://user:pass@host:5432/db?sslmode=require``) or a JSON object
(``{"conn_type": "postgres", "host": "...", "extra": {...}}``), as in Airflow. Then it asks
the connection source of the running task, which the runner sets with
:func:`use_connection_source` for the duration of each try.
"""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from tradewind.config import CONNECTION_ENV_PREFIXES
from tradewind.errors import ConnectionNotFoundError

__all__ = [
    "CONNECTION_ENV_PREFIXES",
    "Connection",
    "ConnectionNotFoundError",
    "find_connection",
    "use_connection_source",
]

#: Environment variable prefixes that define connections, Tradewind's first.
#: The query parameter that carries a whole JSON extra in a connection URI.
_EXTRA_PARAM = "__extra__"
_FIELDS = ("conn_type", "description", "host", "login", "password", "schema", "port", "extra")

ConnectionSource = Callable[[str], Mapping[str, Any] | None]

_source: contextvars.ContextVar[ConnectionSource | None] = contextvars.ContextVar(
    "tradewind_connection_source", default=None
)


class Connection:
    """A connection to an outside system; build it from fields, a URI or JSON."""

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | str | None = None,
        extra: str | Mapping[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id
        self.description = description
        if uri is not None:
            if any(v is not None for v in (conn_type, host, login, password, schema, port, extra)):
                raise ValueError(
                    f"Connection {conn_id!r}: give either uri or the separate fields, not both."
                )
            parsed = _fields_from_uri(conn_id, uri)
            conn_type, host, port = parsed["conn_type"], parsed["host"], parsed["port"]
            login, password = parsed["login"], parsed["password"]
            schema, extra = parsed["schema"], parsed["extra"]
        self.conn_type = conn_type
        self.host = host
        self.login = login
        self.password = password
        self.schema = schema
        self.port = int(port) if port not in (None, "") else None
        self.extra: str | None = json.dumps(extra) if isinstance(extra, Mapping) else extra

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def from_uri(cls, conn_id: str | None, uri: str) -> Connection:
        return cls(conn_id=conn_id, uri=uri)

    @classmethod
    def from_json(cls, value: str | Mapping[str, Any], conn_id: str | None = None) -> Connection:
        """A connection from Airflow's JSON form (``extra`` may be an object or a string)."""
        data = json.loads(value) if isinstance(value, str) else dict(value)
        unknown = set(data) - set(_FIELDS) - {"conn_id"}
        if unknown:
            raise ValueError(
                f"Connection {conn_id!r} has unknown JSON keys: {', '.join(sorted(unknown))}. "
                f"Known keys: {', '.join(_FIELDS)}."
            )
        data.setdefault("conn_id", conn_id)
        return cls(**data)

    @classmethod
    def from_text(cls, conn_id: str, text: str) -> Connection:
        """A connection from an environment value: JSON when it starts with ``{``, else a URI."""
        text = text.strip()
        return cls.from_json(text, conn_id) if text.startswith("{") else cls.from_uri(conn_id, text)

    # -- reading -----------------------------------------------------------------------------

    @classmethod
    def get(cls, conn_id: str) -> Connection:
        """The connection ``conn_id``; raises :class:`ConnectionNotFoundError` if none."""
        found = find_connection(conn_id)
        if found is None:
            raise ConnectionNotFoundError(
                f"Connection {conn_id!r} does not exist. Create it, or set the environment "
                f"variable TRADEWIND_CONN_{conn_id.upper()} to its URI or JSON."
            )
        return found

    #: Airflow 2's name for :meth:`get`.
    get_connection_from_secrets = get

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """``extra`` parsed as JSON (``{}`` when empty or not a JSON object)."""
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def get_extra_dejson(self, nested: bool = False) -> dict[str, Any]:
        return self.extra_dejson

    def get_password(self) -> str | None:
        return self.password

    def get_extra(self) -> str | None:
        return self.extra

    def get_uri(self) -> str:
        """The connection as a URI that :meth:`from_uri` reads back."""
        uri = f"{(self.conn_type or '').replace('_', '-')}://"
        host = self.host or ""
        if "://" in host:
            protocol, host = host.split("://", 1)
            uri += f"{protocol}://"
        if self.login or self.password:
            uri += quote(self.login or "", safe="")
            if self.password:
                uri += ":" + quote(self.password, safe="")
            uri += "@"
        uri += quote(host, safe="")
        if self.port is not None:
            uri += f":{self.port}"
        if self.schema:
            uri += "/" + quote(self.schema, safe="")
        extra = self.extra_dejson
        if extra:
            flat = all(isinstance(v, str) for v in extra.values())
            query = urlencode(extra) if flat else urlencode({_EXTRA_PARAM: json.dumps(extra)})
            uri += ("/" if not self.schema else "") + "?" + query
        return uri

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _FIELDS}
        data["conn_id"] = self.conn_id
        data["extra"] = self.extra_dejson if self.extra else None
        return data

    def as_json(self) -> str:
        data = self.to_dict()
        data.pop("conn_id")
        return json.dumps({k: v for k, v in data.items() if v is not None})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connection):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # never shows the password
        return f"<Connection {self.conn_id!r}: {self.conn_type}://{self.host or ''}>"


def _fields_from_uri(conn_id: str | None, uri: str) -> dict[str, Any]:
    scheme, separator, rest = uri.partition("://")
    if not separator or not scheme:
        raise ValueError(
            f"Connection {conn_id!r}: {uri!r} is not a connection URI; expected "
            "type://login:password@host:port/schema?extra_key=value."
        )
    conn_type = "postgres" if scheme == "postgresql" else scheme.replace("-", "_")
    protocol = None
    if "://" in rest:  # the host carries its own protocol: http://https://host/...
        protocol, rest = rest.split("://", 1)
        if "@" in protocol or ":" in protocol:
            raise ValueError(f"Connection {conn_id!r}: {uri!r} has a malformed host protocol.")
    parts = urlsplit("//" + rest)
    host = unquote(parts.hostname or "")
    extra: str | None = None
    if parts.query:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        extra = query[_EXTRA_PARAM] if _EXTRA_PARAM in query else json.dumps(query)
    return {
        "conn_type": conn_type,
        "host": f"{protocol}://{host}" if protocol else host,
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "schema": unquote(parts.path[1:]),
        "port": parts.port,
        "extra": extra,
    }


@contextmanager
def use_connection_source(source: ConnectionSource) -> Iterator[None]:
    """Make ``source`` (conn_id → fields or None) where connections are looked up after env."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def find_connection(conn_id: str, source: ConnectionSource | None = None) -> Connection | None:
    """The connection ``conn_id`` from the environment, then ``source`` (default: the current
    task's source); None when neither has it."""
    for prefix in CONNECTION_ENV_PREFIXES:
        text = os.environ.get(prefix + conn_id.upper())
        if text is not None:
            return Connection.from_text(conn_id, text)
    source = source if source is not None else _source.get()
    fields = source(conn_id) if source is not None else None
    if fields is None:
        return None
    if isinstance(fields, Connection):
        return fields
    return Connection(conn_id=conn_id, **{k: v for k, v in fields.items() if k in _FIELDS})
