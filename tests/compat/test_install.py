"""When the Airflow stand-ins are installed, and that a real Airflow is never shadowed."""

from __future__ import annotations

import importlib.machinery
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tradewind.compat import _airflow_finder, airflow_active, install_if_needed
from tradewind.compat.startup import hook_installed, install_startup_hook, remove_startup_hook
from tradewind.errors import ConfigError
from tradewind.runtime.loader import load_dag_file

DAGS = Path(__file__).parent / "dags"
RunPython = Callable[..., subprocess.CompletedProcess[str]]

REPORT = (
    "from tradewind.compat import install_if_needed\n"
    "active = install_if_needed()\n"
    "import airflow\n"
    "print(active, getattr(airflow, 'REAL', False), airflow.__name__)\n"
)


@pytest.fixture
def fake_airflow(tmp_path: Path) -> Path:
    """A folder holding an ``airflow`` package that stands for a real installation."""
    package = tmp_path / "site" / "airflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("REAL = True\n")
    (package / "models.py").write_text("class DAG:\n    REAL = True\n")
    return package.parent


def test_finder_comes_after_the_path_finder_so_installed_packages_win(compat: None) -> None:
    position = sys.meta_path.index(_airflow_finder())
    assert position > sys.meta_path.index(importlib.machinery.PathFinder)


def test_airflow_active_reports_the_stand_ins(compat: None) -> None:
    assert airflow_active()


def test_install_is_idempotent(compat: None) -> None:
    before = list(sys.meta_path)
    assert install_if_needed("auto")
    assert sys.meta_path == before


def test_real_airflow_is_not_shadowed(fake_airflow: Path, run_python: RunPython) -> None:
    done = run_python(
        "-c",
        REPORT + "import airflow.models\nprint(airflow.models.DAG.REAL)\n",
        pythonpath=[fake_airflow],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "airflow", "True"]


def test_tradewind_dags_still_run_next_to_a_real_airflow(
    fake_airflow: Path, run_python: RunPython, tmp_path: Path
) -> None:
    dag_file = tmp_path / "native.py"
    dag_file.write_text(
        "import airflow\n"
        "from tradewind import DAG\n"
        "from tradewind.operators.empty import EmptyOperator\n"
        "assert airflow.REAL\n"
        "with DAG('native', schedule=None):\n"
        "    EmptyOperator(task_id='t')\n"
    )
    done = run_python(
        "-m", "tradewind", "dags", "test", str(dag_file), "native", "-q", pythonpath=[fake_airflow]
    )
    assert (done.returncode, done.stdout.strip()) == (0, "success"), done.stderr


def test_force_mode_uses_tradewind_even_next_to_a_real_airflow(
    fake_airflow: Path, run_python: RunPython
) -> None:
    done = run_python(
        "-c", REPORT, pythonpath=[fake_airflow], env={"TRADEWIND_AIRFLOW_COMPAT": "force"}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "airflow"]


def test_off_mode_leaves_airflow_unresolved(run_python: RunPython) -> None:
    done = run_python("-c", REPORT, env={"TRADEWIND_AIRFLOW_COMPAT": "off"})
    assert done.returncode == 1
    assert "ModuleNotFoundError: No module named 'airflow'" in done.stderr


def test_unknown_mode_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADEWIND_AIRFLOW_COMPAT", "sometimes")
    with pytest.raises(ConfigError, match="TRADEWIND_AIRFLOW_COMPAT"):
        install_if_needed()


def test_unknown_mode_makes_each_dag_file_an_import_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADEWIND_AIRFLOW_COMPAT", "sometimes")
    [error] = load_dag_file(DAGS / "v1_branching.py").errors
    assert "TRADEWIND_AIRFLOW_COMPAT" in error.message


def test_real_pendulum_wins_over_the_stand_in(tmp_path: Path, run_python: RunPython) -> None:
    (tmp_path / "pendulum.py").write_text("REAL = True\n")
    code = (
        "from tradewind.compat import install_if_needed\ninstall_if_needed()\n"
        "import pendulum\nprint(getattr(pendulum, 'REAL', False))\n"
    )
    done = run_python("-c", code, pythonpath=[tmp_path])
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr


# -- `python my_dag.py` ----------------------------------------------------------------------


@pytest.fixture
def hooked_site(tmp_path: Path) -> Path:
    """A site folder with the start-up hook, activated through sitecustomize (as
    ``python -m tradewind.compat install-hook`` does in site-packages)."""
    site = tmp_path / "hooked"
    site.mkdir()
    install_startup_hook(site)
    (site / "sitecustomize.py").write_text(f"import site\nsite.addsitedir({str(site)!r})\n")
    return site


def test_startup_hook_lets_a_dag_file_run_dag_test_as_a_script(
    hooked_site: Path, run_python: RunPython, tmp_path: Path
) -> None:
    done = run_python(str(DAGS / "v2_taskflow_etl.py"), pythonpath=[hooked_site], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Run success" in done.stdout


def test_dag_cli_runs_airflows_dags_test_form(
    hooked_site: Path, run_python: RunPython, tmp_path: Path
) -> None:
    script = str(DAGS / "v1_classic_etl.py")
    done = run_python(
        script,
        "dags",
        "test",
        "v1_classic_etl",
        "2024-01-02",
        "-q",
        pythonpath=[hooked_site],
        cwd=tmp_path,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "success"), done.stderr


def test_dag_cli_runs_airflows_tasks_test_form(
    hooked_site: Path, run_python: RunPython, tmp_path: Path
) -> None:
    script = str(DAGS / "v1_classic_etl.py")
    done = run_python(
        script,
        "tasks",
        "test",
        "v1_classic_etl",
        "start",
        "2024-01-02",
        pythonpath=[hooked_site],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Task start success" in done.stdout


def test_startup_hook_does_not_shadow_a_real_airflow(
    hooked_site: Path, fake_airflow: Path, run_python: RunPython
) -> None:
    done = run_python(
        "-c", "import airflow; print(airflow.REAL)", pythonpath=[hooked_site, fake_airflow]
    )
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr


def test_remove_hook_deletes_its_files(tmp_path: Path) -> None:
    install_startup_hook(tmp_path)
    assert hook_installed(tmp_path)
    assert len(remove_startup_hook(tmp_path)) == 2
    assert not hook_installed(tmp_path) and not list(tmp_path.iterdir())


def test_compat_command_installs_reports_and_removes_the_hook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tradewind.compat.__main__ import main

    assert main(["install-hook", "--site-dir", str(tmp_path)]) == 0
    assert main(["status", "--site-dir", str(tmp_path)]) == 0
    assert main(["remove-hook", "--site-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == f"start-up hook installed in {tmp_path}"
    assert lines[3].startswith("removed ") and not hook_installed(tmp_path)
