"""Dependency helpers Airflow has and the SDK does not: ``chain_linear``."""

from __future__ import annotations

import itertools

from tradewind.sdk.dependencies import DependencyMixin, DependencyTarget

__all__ = ["chain_linear"]


def chain_linear(*elements: DependencyTarget) -> None:
    """Make every task of each element upstream of every task of the next element.

    ``chain_linear(a, [b, c], [d, e])`` gives ``a >> [b, c]``, ``b >> [d, e]``, ``c >> [d, e]``.
    """
    if len(elements) < 2:
        raise ValueError("chain_linear() needs at least two elements to chain.")
    for up, down in itertools.pairwise(elements):
        for item in [up] if isinstance(up, DependencyMixin) else list(up):
            item.set_downstream(down)
