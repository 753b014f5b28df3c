from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tradewind.cli import dag_inspection
from tradewind.cli.main import cli, dags

DAGS = Path(__file__).parent.parent / "runtime" / "loader_dags"
GOOD = DAGS / "good"
BROKEN = DAGS / "broken"
SHAPES = DAGS / "show" / "shapes.py"


@pytest.fixture(autouse=True)
def _commands_registered() -> None:
    # The entry point registers command modules in main(); CliRunner drives `cli` directly.
    if "list" not in dags.commands:
        dag_inspection.register(dags)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


# -- dags list -------------------------------------------------------------------------------


def test_list_shows_a_row_per_dag_with_schedule_task_count_and_file() -> None:
    result = run("dags", "list", GOOD)

    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    assert rows["dag_id"] == ["schedule", "tasks", "file", "tags"]
    assert rows["same_name_ml"] == ["None", "1", "ml/dag.py"]
    assert rows["uses_sibling_helper"] == ["None", "3", "helpers_user/pipeline.py"]
    assert rows["kinds_assigned"][-3:] == ["1", "kinds.py", "kinds"]


def test_list_exits_0_when_every_file_imports() -> None:
    result = run("dags", "list", GOOD)

    assert result.exit_code == 0
    assert "Import errors" not in result.stdout


def test_list_exits_1_and_lists_import_errors_after_the_good_dags() -> None:
    result = run("dags", "list", BROKEN)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["has_orphan_neighbour", "no_cycle"]
    assert "Import errors (3):" in lines
    assert "raises.py:5  ValueError: settings.yaml is missing" in lines


def test_list_json_has_dags_and_import_errors() -> None:
    result = run("dags", "list", BROKEN, "--output", "json")

    data = json.loads(result.stdout)
    assert data["dags"][1] == {
        "dag_id": "no_cycle",
        "schedule": "None",
        "tasks": 1,
        "file": str(BROKEN / "cycle.py"),
        "tags": [],
    }
    assert [(e["file"], e["line"]) for e in data["import_errors"]] == [
        (str(BROKEN / "cycle.py"), None),
        (str(BROKEN / "orphan.py"), 7),
        (str(BROKEN / "raises.py"), 5),
    ]


def test_list_yaml_without_pyyaml_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` fail

    result = run("dags", "list", GOOD, "-o", "yaml")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --output yaml needs PyYAML, which is not installed: run `pip install pyyaml`, "
        "or use --output json.\n"
    )


def test_list_yaml_matches_the_json_listing() -> None:
    yaml = pytest.importorskip("yaml")

    result = run("dags", "list", GOOD, "-o", "yaml")

    assert yaml.safe_load(result.stdout) == json.loads(
        run("dags", "list", GOOD, "-o", "json").stdout
    )


def test_list_of_a_missing_path_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    result = run("dags", "list", missing)

    assert result.exit_code == 2
    assert result.stderr == f"Error: No DAG file or folder at {missing}; check the path.\n"


# -- dags show -------------------------------------------------------------------------------


def test_show_prints_the_dag_as_a_tree() -> None:
    result = run("dags", "show", SHAPES, "shapes")

    assert result.exit_code == 0
    assert result.stdout == (
        "DAG shapes  schedule: None  tasks: 5\n"
        "└── start  EmptyOperator\n"
        '    ├── "go" → process  TaskGroup\n'
        "    │   ├── process.clean  BashOperator  [mapped]\n"
        "    │   │   └── → process.save  EmptyOperator\n"
        "    │   └── → end  EmptyOperator\n"
        '    └── "nothing to do" → skip  EmptyOperator\n'
        "        └── → end  EmptyOperator  (shown above)\n"
    )


def test_show_dot_prints_graphviz_with_clusters_and_edge_labels() -> None:
    result = run("dags", "show", SHAPES, "shapes", "--dot")

    assert result.exit_code == 0
    assert result.stdout == (
        'digraph "shapes" {\n'
        '  graph [label="shapes", labelloc=t, rankdir=LR];\n'
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];\n'
        '  edge [fontname="Helvetica", fontsize=10];\n'
        '  "start" [label="start\\nEmptyOperator", fillcolor="#e8f7e4"];\n'
        '  subgraph "cluster_process" {\n'
        '    label="process";\n'
        '    style="rounded"; color="CornflowerBlue";\n'
        '    "process.clean" [label="clean [mapped]\\nBashOperator", fillcolor="#f0ede4"];\n'
        '    "process.save" [label="save\\nEmptyOperator", fillcolor="#e8f7e4"];\n'
        "  }\n"
        '  "end" [label="end\\nEmptyOperator", fillcolor="#e8f7e4"];\n'
        '  "skip" [label="skip\\nEmptyOperator", fillcolor="#e8f7e4"];\n'
        '  "start" -> "process.clean" [label="go"];\n'
        '  "start" -> "skip" [label="nothing to do"];\n'
        '  "process.clean" -> "process.save";\n'
        '  "process.save" -> "end";\n'
        '  "skip" -> "end";\n'
        "}\n"
    )


def test_show_an_unknown_dag_id_exits_2_naming_the_defined_ids() -> None:
    path = GOOD / "etl" / "dag.py"

    result = run("dags", "show", path, "nope")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: DAG 'nope' not found in {path}; it defines: same_name_etl\n"


def test_show_of_a_missing_path_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "gone.py"

    result = run("dags", "show", missing, "etl")

    assert result.exit_code == 2
    assert result.stderr == f"Error: No DAG file or folder at {missing}; check the path.\n"
