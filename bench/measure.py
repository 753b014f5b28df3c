"""Timing commands: wall time of the whole process, several runs, median and range."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class CommandFailed(RuntimeError):
    """A timed command exited with a non-zero status: its timing would mean nothing."""


@dataclass(frozen=True)
class Timing:
    """Wall times, in seconds, of the counted runs of one command."""

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
