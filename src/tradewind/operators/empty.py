"""``EmptyOperator``: a task that does nothing, for grouping and joining dependencies."""

from __future__ import annotations

from typing import Any, ClassVar

from tradewind.sdk.baseoperator import BaseOperator

__all__ = ["EmptyOperator"]


class EmptyOperator(BaseOperator):
    """Does nothing; it succeeds (or is skipped) as its trigger rule decides."""

    ui_color = "#e8f7e4"
    #: Lets the engine finish such a task without starting a worker when it has no callbacks,
    #: as Airflow's scheduler does.
    inherits_from_empty_operator: ClassVar[bool] = True

    def execute(self, context: Any) -> None:
        return None
