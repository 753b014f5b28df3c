"""Measuring: wall times of whole commands, and figures that probes take from running servers.

A timed command runs several times; its :class:`Timing` keeps every counted run. A *probe*
(:class:`Probe`) measures what one command's wall time cannot: it starts a server, drives a
run through it and reads the figures (seconds, tasks per second, megabytes) from the
database or from ``/proc``; each counted run gives one value per figure. The order of the
runs (systems in turn) is :mod:`bench.runner`'s.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol


class CommandFailed(RuntimeError):
    """A timed command exited with a non-zero status or overran its time: no figure.

    ``reason`` is the short form for a table cell; the message has the output's tail.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Command:
    """A command line to time, and what it adds to the system's environment."""

    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Timing:
    """The values of the counted runs of one measurement (seconds unless its row says)."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)


@dataclass(frozen=True)
class Figure:
    """One figure a probe reports: what it is, and its unit (``s``, ``tasks/s``, ``MB``)."""

    label: str
    unit: str = "s"


class Probe(Protocol):
    """Measures something that needs a running server; a context manager around its life."""

    #: The figures :meth:`measure` returns, by key.
    figures: dict[str, Figure]

    def __enter__(self) -> Probe: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def measure(self) -> dict[str, float]:
        """One run: a value per figure key."""
        ...


def run_once(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float | None = None
) -> float:
    """Seconds from starting ``argv`` to its exit, measured around ``subprocess.run``."""
    start = time.perf_counter()
    try:
        result = subprocess.run(
            list(argv),
            env=dict(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        reason = f"timed out after {timeout:.0f} s"
        raise CommandFailed(f"`{' '.join(argv)}` {reason}", reason) from None
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join(output[-20:])
        last = output[-1].strip() if output else "no output"
        raise CommandFailed(
            f"`{' '.join(argv)}` exited with status {result.returncode}:\n{tail}",
            f"exit status {result.returncode}: {last}",
        )
    return elapsed
