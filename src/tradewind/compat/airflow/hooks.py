"""``BaseHook``: the base of custom hooks, and ``BaseHook.get_connection``."""

from __future__ import annotations

from typing import Any, ClassVar

from tradewind.compat.airflow.exceptions import AirflowNotFoundException
from tradewind.compat.airflow.logging_mixin import LoggingMixin
from tradewind.sdk.connections import Connection, find_connection

__all__ = ["BaseHook"]


class BaseHook(LoggingMixin):
    """Base class of hooks: objects that talk to an outside system through a connection."""

    conn_name_attr: ClassVar[str] = ""
    default_conn_name: ClassVar[str] = "default_conn_id"
    conn_type: ClassVar[str] = ""
    hook_name: ClassVar[str] = ""

    def __init__(self, logger_name: str | None = None, **kwargs: Any) -> None:
        super().__init__()

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """The connection ``conn_id`` (``AIRFLOW_CONN_*``/``TRADEWIND_CONN_*`` variables, then
        the running task's connection source); raises ``AirflowNotFoundException`` if none."""
        found = find_connection(conn_id)
        if found is None:
            raise AirflowNotFoundException(
                f"The conn_id {conn_id!r} isn't defined. Create the connection, or set the "
                f"environment variable AIRFLOW_CONN_{conn_id.upper()} to its URI or JSON."
            )
        return found

    @classmethod
    def get_hook(cls, conn_id: str, hook_params: dict[str, Any] | None = None) -> BaseHook:
        raise NotImplementedError(
            "BaseHook.get_hook() is not supported by Tradewind: it finds hook classes through "
            "Airflow's provider registry. Build your hook class directly with the conn_id."
        )

    def get_conn(self) -> Any:
        """The client object of the outside system; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_conn().")
