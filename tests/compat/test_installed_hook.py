"""The installed package routes `import airflow` of a DAG run as a script to Tradewind."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_airflow_dag_file_runs_as_a_script_without_any_setup(tmp_path: Path) -> None:
    script = tmp_path / "my_dag.py"
    script.write_text(
        textwrap.dedent(
            """
            from datetime import datetime
            from airflow import DAG
            from airflow.operators.bash import BashOperator

            with DAG("as_script", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
                BashOperator(task_id="hi", bash_command="echo hi")

            if __name__ == "__main__":
                print("STATE", dag.test(quiet=True).state)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "STATE success" in result.stdout
