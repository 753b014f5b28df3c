"""Figures as people read them: about three significant digits, in their unit."""

from __future__ import annotations


def ms(seconds: float) -> str:
    """A duration: ``2.17 s``, ``412 ms``, ``3.96 ms``, ``0.07 ms``."""
    if abs(seconds) >= 1:
        return f"{seconds:.2f} s"
    if abs(seconds) >= 0.1:
        return f"{seconds * 1000:.0f} ms"
    if abs(seconds) >= 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.2f} ms"


def value(amount: float, unit: str) -> str:
    """A figure in its unit: a duration as :func:`ms` does, else ``163 tasks/s``, ``148 MB``."""
    if unit == "s":
        return ms(amount)
    return f"{amount:.3g} {unit}" if amount < 100 else f"{amount:.0f} {unit}"


def times(factor: float) -> str:
    """A ratio: ``64x``, ``5.3x``, ``0.82x``."""
    if factor >= 10:
        return f"{factor:.0f}x"
    return f"{factor:.1f}x" if factor >= 1 else f"{factor:.2f}x"
