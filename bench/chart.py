"""The chart of a run: how many times better Tradewind is, per measurement (a PNG).

One horizontal bar per measurement that both systems have, on a log scale (the ratios run
from about 1x to a few hundred x), with the issue's goal marked where there is one: green
when it is met, red when not, grey for a measurement without a goal.
"""

from __future__ import annotations

from pathlib import Path

from bench.compare import lines
from bench.formatting import times
from bench.results import Run

MET, MISSED, NO_GOAL = "#2e8b57", "#c0392b", "#7f8c9a"


def write_chart(run: Run, path: Path) -> bool:
    """Draw the chart to ``path``; False (and no file) when no measurement has a ratio."""
    import matplotlib

    matplotlib.use("Agg")  # no display here; only the file is wanted
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    measured = [line for line in lines(run.rows) if line.ratio is not None]
    if not measured:
        return False
    labels, ratios, colours, goals = [], [], [], []
    for line in measured:
        found = line.ratio
        assert found is not None
        target = max((t.at_least for t in line.targets), default=None)
        labels.append(f"{line.scenario}: {line.label}")
        ratios.append(found)
        goals.append(target)
        colours.append(NO_GOAL if target is None else MET if found >= target else MISSED)

    height = 1.2 + 0.32 * len(measured)
    figure, axes = plt.subplots(figsize=(11, height))
    positions = list(range(len(measured)))[::-1]  # first measurement on top
    axes.barh(positions, ratios, color=colours, height=0.7)
    for y, found, goal in zip(positions, ratios, goals, strict=True):
        axes.text(found * 1.08, y, times(found), va="center", fontsize=8)
        if goal is not None:
            axes.plot([goal, goal], [y - 0.42, y + 0.42], color="black", linewidth=1.5)
    axes.axvline(1.0, color="black", linewidth=0.8, linestyle=":")
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}x"))
    axes.set_xlim(left=min(0.5, min(ratios) / 1.5), right=max(ratios) * 3)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlabel("Tradewind better by (log scale; black tick: the issue's goal)")
    versions = ", ".join(f"{run.systems.get(n, n)} {v}" for n, v in run.versions.items())
    figure.suptitle(
        "How many times better Tradewind is than Apache Airflow: same machine, same run\n"
        f"{versions}; {run.started:%Y-%m-%d %H:%M} UTC; load average "
        f"{run.load:.1f} at the start, {run.load_end:.1f} at the end",
        fontsize=9,
    )
    axes.grid(axis="x", which="major", linestyle=":", linewidth=0.5)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    figure.savefig(partial, dpi=110, format="png")
    plt.close(figure)
    partial.replace(path)
    return True
