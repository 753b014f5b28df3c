"""``python -m bench.api_latency``: a short run of every scenario, with each load generator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import api_latency


def _short_run(tmp_path: Path, generator: str) -> str:
    output = tmp_path / "api_latency.md"
    api_latency.main(
        [
            "--db",
            "sqlite",
            "--runs",
            "30",
            "--clients",
            "3",
            "--seconds",
            "1",
            "--generator",
            generator,
            "--output",
            str(output),
        ]
    )
    return output.read_text()


def _rows(report: str) -> dict[str, list[str]]:
    rows = [
        line.strip("|").split("|") for line in report.splitlines() if line.startswith("| sqlite")
    ]
    return {cells[1].strip(): [cell.strip() for cell in cells] for cells in rows}


@pytest.mark.slow
@pytest.mark.parametrize("generator", ["asyncio", "wrk"])
def test_a_short_run_reports_every_scenario_and_the_generator(
    tmp_path: Path, generator: str
) -> None:
    if generator == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    report = _short_run(tmp_path, generator)
    assert f"--generator {generator}" in report
    assert api_latency.GENERATORS[generator] in report
    rows = _rows(report)
    assert list(rows) == [
        "list, 1 client",
        "list",
        "list (Basic)",
        "trigger",
        "list under triggers",
    ]
    for scenario, cells in rows.items():
        requests, errors = int(cells[2]), int(cells[7])
        assert requests > 0 and errors == 0, (scenario, cells)
    server_cpu, generator_cpu = rows["list"][8:10]
    assert float(server_cpu) > 0 and float(generator_cpu) >= 0


def test_the_wrk_script_sends_the_job_and_prints_one_line_of_figures(tmp_path: Path) -> None:
    job = api_latency.Job(
        "trigger", 2, "POST", api_latency.TRIGGER_PATH, 'Bearer a"b', b'{"conf": {"a": 1}}'
    )
    script = api_latency._wrk_script(job, tmp_path).read_text()
    assert 'wrk.method = "POST"' in script
    assert 'wrk.body = "{\\"conf\\": {\\"a\\": 1}}"' in script
    assert 'wrk.headers["Authorization"] = "Bearer a\\"b"' in script
    assert 'wrk.headers["Content-Type"] = "application/json"' in script
    assert "latency:percentile(99)" in script
