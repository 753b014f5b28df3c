"""Measuring: wall times of whole commands, and figures that probes take from running servers.

A timed command runs several times; its :class:`Timing` keeps every counted run. A *probe*
(:class:`Probe`) measures what one command's wall time cannot: it starts a server, drives a
run through it and reads the figures (seconds, tasks per second, megabytes) from the
database or from ``/proc``; each counted run gives one value per figure.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol


class CommandFailed(RuntimeError):
    """A timed command exited with a non-zero status: its timing would mean nothing."""


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


def run_once(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> float:
    """Seconds from starting ``argv`` to its exit, measured around ``subprocess.run``."""
    start = time.perf_counter()
    result = subprocess.run(
        list(argv), env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join(output[-20:])
        raise CommandFailed(f"`{' '.join(argv)}` exited with status {result.returncode}:\n{tail}")
    return elapsed


def time_command(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, repeat: int, warmup: int
) -> Timing:
    """Run ``argv`` ``warmup`` times uncounted (file caches, .pyc files), then ``repeat`` times."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    for _ in range(warmup):
        run_once(argv, env=env, cwd=cwd)
    return Timing(tuple(run_once(argv, env=env, cwd=cwd) for _ in range(repeat)))


def run_probe(probe: Probe, *, repeat: int, warmup: int) -> dict[str, Timing]:
    """Enter ``probe``, measure ``warmup`` runs uncounted and ``repeat`` counted ones."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    with probe:
        for _ in range(warmup):
            probe.measure()
        runs = [probe.measure() for _ in range(repeat)]
    return {key: Timing(tuple(run[key] for run in runs)) for key in probe.figures}
