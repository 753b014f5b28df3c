"""Running the cases: every case on every system, the systems in turn (A B A B …).

The runner pairs the cases the systems build for a scenario by label (a *slot*), then
measures each slot: the warm-up runs of each system, then the counted runs, one system after
the other, so that a change of load on the shared machine touches both systems alike. A case
a system cannot run, or one that fails or overruns its time, gives a row that says why
instead of a figure; the other system's figures stand.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import Figure, Timing, run_once
from bench.results import WALL, Row
from bench.scenarios import Case, Scenario
from bench.systems import System

Say = Callable[[str], None]


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Entry:
    """One system's case in a slot, and what it needs to run."""

    system: System
    case: Case
    env: Mapping[str, str] = field(default_factory=dict)
    #: The home the command's system prepares before its first run (None: a probe).
    home: Path | None = None
    #: Most counted runs (None: as many as asked).
    cap: int | None = None
    #: Why it is not measured (the system cannot run it here).
    why: str | None = None


@dataclass
class Slot:
    """One case of one scenario, measured on every system."""

    scenario: Scenario
    label: str
    entries: list[Entry]


def plan(
    scenarios: Sequence[Scenario],
    systems: Sequence[System],
    databases: Sequence[str],
    modes: Sequence[str],
    work: Path,
) -> list[Slot]:
    """The slots to measure, in scenario order; cases of other modes are left out."""
    slots: list[Slot] = []
    for scenario in scenarios:
        here = systems[:1] if scenario.shared else systems
        paired: dict[str, list[Entry]] = {}
        if scenario.commands is not None:
            for system in here:
                folder = work / system.name / scenario.name
                home = folder / "home"
                for case in scenario.commands(system, folder):
                    assert case.command is not None
                    env = {**system.env(home), **case.command.env}
                    cap = scenario.caps.get((system.name, case.mode))
                    paired.setdefault(case.label, []).append(Entry(system, case, env, home, cap))
        if scenario.servers is not None:
            for database in databases:
                for system in here:
                    folder = work / system.name / f"{scenario.name}-{database}"
                    folder.mkdir(parents=True, exist_ok=True)
                    why = system.cannot_use(database)
                    for case in scenario.servers(system, folder, database):
                        cap = scenario.caps.get((system.name, case.mode))
                        entry = Entry(system, case, cap=cap, why=why)
                        paired.setdefault(case.label, []).append(entry)
        for label, entries in paired.items():
            kept = [e for e in entries if e.case.mode is None or e.case.mode in modes]
            if kept:
                slots.append(Slot(scenario, label, kept))
    return slots


def _figures(case: Case) -> dict[str, Figure]:
    return case.probe.figures if case.probe is not None else {WALL: Figure("")}


#: Longest reason a table cell shows; the whole error goes to stderr.
REASON_CHARACTERS = 120


def _reason(error: BaseException) -> str:
    text = getattr(error, "reason", None) or str(error).strip() or type(error).__name__
    line = str(text).splitlines()[0]
    return line if len(line) <= REASON_CHARACTERS else line[: REASON_CHARACTERS - 1] + "…"


class _Slot:
    """The measuring of one slot: values so far, and failures."""

    def __init__(self, slot: Slot, work: Path, say: Say) -> None:
        self.slot = slot
        self.work = work
        self.say = say
        self.values: dict[int, list[dict[str, float]]] = {id(e): [] for e in slot.entries}
        self.failed: dict[int, str] = {id(e): e.why for e in slot.entries if e.why}
        self.prepared: set[int] = set()

    def _prepare(self, entry: Entry) -> None:
        if entry.home is not None and id(entry) not in self.prepared:
            entry.home.mkdir(parents=True, exist_ok=True)
            entry.system.prepare(entry.home)
            self.prepared.add(id(entry))

    def _once(self, entry: Entry) -> dict[str, float]:
        self._prepare(entry)
        case = entry.case
        if case.probe is not None:
            with case.probe:
                return case.probe.measure()
        assert case.command is not None
        seconds = run_once(
            case.command.argv, env=entry.env, cwd=self.work, timeout=entry.system.timeout
        )
        return {WALL: seconds}

    def attempt(self, entry: Entry, what: str) -> dict[str, float] | None:
        """One run of ``entry``; on failure, remember why and return None."""
        name = f"{entry.system.name} {self.slot.scenario.name}: {self.slot.label}"
        self.say(f"{name} [{what}] ...")
        try:
            result = self._once(entry)
        except Exception as error:  # a failed run is reported, not fatal
            self.failed[id(entry)] = f"failed: {_reason(error)}"
            self.say(f"{name} failed:\n{error}")
            return None
        self.say(f"{name} [{what}]: " + ", ".join(f"{k} {v:.4g}" for k, v in result.items()))
        return result

    def rows(self, repeat: int) -> list[Row]:
        rows = []
        for entry in self.slot.entries:
            values = self.values[id(entry)]
            why = self.failed.get(id(entry))
            asked = repeat if entry.cap is None else min(repeat, entry.cap)
            for key, figure in _figures(entry.case).items():
                timing = Timing(tuple(v[key] for v in values)) if values and not why else None
                rows.append(
                    Row(
                        system=entry.system.name,
                        scenario=self.slot.scenario.name,
                        case=entry.case,
                        figure=key,
                        what=figure.label,
                        unit=figure.unit,
                        timing=timing,
                        why=why if timing is None else None,
                        asked=asked,
                        runnable=entry.why is None,
                    )
                )
        return rows


def measure(slot: Slot, *, repeat: int, warmup: int, work: Path, say: Say = _say) -> list[Row]:
    """Measure one slot, systems in turn: warm-ups (commands only), then counted runs."""
    state = _Slot(slot, work, say)
    entries = slot.entries
    for n in range(warmup):
        for entry in entries:
            # Probes start a fresh server each run: there is nothing to warm up.
            if entry.case.command is None or entry.cap is not None or id(entry) in state.failed:
                continue
            state.attempt(entry, f"warm-up {n + 1}/{warmup}")
    for n in range(repeat):
        for entry in entries:
            wanted = repeat if entry.cap is None else min(repeat, entry.cap)
            if id(entry) in state.failed or n >= wanted:
                continue
            result = state.attempt(entry, f"run {n + 1}/{wanted}")
            if result is not None:
                state.values[id(entry)].append(result)
    return state.rows(repeat)
