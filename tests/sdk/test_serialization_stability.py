"""A DAG's serialized form, and so its version hash, is the same in every process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

DAG_FILE = textwrap.dedent(
    """
    from datetime import datetime
    from tradewind import DAG
    from tradewind.operators.empty import EmptyOperator
    from tradewind.sdk.serialization import serialize_dag

    with DAG(
        "acl",
        schedule="@daily",
        start_date=datetime(2024, 1, 1),
        access_control={"Viewer": {"can_read"}, "User": {"can_read", "can_edit", "can_delete"}},
        tags=["b", "a"],
    ) as dag:
        EmptyOperator(task_id="t")
    print(serialize_dag(dag).version_hash)
    """
)


def test_version_hash_does_not_depend_on_the_process(tmp_path: Path) -> None:
    script = tmp_path / "acl.py"
    script.write_text(DAG_FILE)
    hashes = {
        subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"},
        ).stdout.strip()
        for seed in (1, 2, 3)
    }
    assert len(hashes) == 1
