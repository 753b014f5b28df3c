from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from types import FrameType

import pytest

from tradewind.errors import DagFileError, DagNotFoundError
from tradewind.runtime.loader import (
    DagImportError,
    find_dag_files,
    get_dag,
    load_dag_file,
    load_dags,
    parse_dag_files,
)
from tradewind.sdk.serialization import serialize_dag

DAGS = Path(__file__).parent / "loader_dags"
GOOD = DAGS / "good"
BROKEN = DAGS / "broken"
CRASH = DAGS / "crash"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def simple_dag(dag_id: str) -> str:
    return f"from tradewind import DAG\n\nwith DAG({dag_id!r}):\n    pass\n"


def names(files: list[str], root: Path) -> list[str]:
    return [Path(f).relative_to(root).as_posix() for f in files]


# -- finding DAGs in a file ------------------------------------------------------------------


def test_assigned_with_block_and_decorated_dags_are_all_found() -> None:
    result = load_dag_file(GOOD / "kinds.py")

    assert sorted(result.dags) == ["kinds_assigned", "kinds_decorated", "kinds_with_block"]
    assert result.errors == []


def test_each_dag_records_the_file_it_was_loaded_from() -> None:
    result = load_dag_file(GOOD / "kinds.py")

    assert {dag.fileloc for dag in result.dags.values()} == {str(GOOD / "kinds.py")}


def test_files_with_the_same_name_in_two_folders_both_load() -> None:
    etl = load_dag_file(GOOD / "etl" / "dag.py")
    ml = load_dag_file(GOOD / "ml" / "dag.py")

    assert list(etl.dags) == ["same_name_etl"]
    assert list(ml.dags) == ["same_name_ml"]


def test_a_sibling_helper_module_imports() -> None:
    result = load_dag_file(GOOD / "helpers_user" / "pipeline.py")

    assert result.errors == []
    assert result.dags["uses_sibling_helper"].task_ids == ["step_0", "step_1", "step_2"]


def test_sys_path_is_restored_after_an_import() -> None:
    before = list(sys.path)

    load_dag_file(GOOD / "helpers_user" / "pipeline.py", root=GOOD)

    assert sys.path == before


# -- import errors ---------------------------------------------------------------------------


def test_a_syntax_error_is_an_import_error_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.py", "from tradewind import DAG\n\nwith DAG('x'):\n    x = (\n")

    result = load_dag_file(path)

    assert result.dags == {}
    [error] = result.errors
    assert (error.filename, error.lineno) == (str(path), 4)
    assert error.message == "SyntaxError: '(' was never closed"
    assert "x = (" in error.traceback


def test_an_exception_at_import_reports_the_line_of_the_raise() -> None:
    path = BROKEN / "raises.py"

    result = load_dag_file(path)

    assert result.dags == {}
    [error] = result.errors
    assert (error.filename, error.lineno) == (str(path), 5)
    assert error.message == "ValueError: settings.yaml is missing"
    assert error.traceback.startswith("Traceback (most recent call last):\n")
    assert f'File "{path}", line 9, in <module>' in error.traceback
    assert "loader.py" not in error.traceback


def test_sys_exit_at_import_is_an_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "exits.py", "import sys\nfrom tradewind import DAG\nsys.exit(3)\n")

    [error] = load_dag_file(path).errors

    assert (error.lineno, error.message) == (
        3,
        "SystemExit: the file called sys.exit(3) while being imported.",
    )


def test_a_slow_file_times_out_at_the_line_it_was_running(tmp_path: Path) -> None:
    path = write(tmp_path, "slow.py", "import time\nfrom tradewind import DAG\ntime.sleep(5)\n")
    started = time.monotonic()

    result = load_dag_file(path, timeout=1)

    assert time.monotonic() - started < 3
    [error] = result.errors
    assert error.lineno == 3
    assert error.message.startswith(
        "TimeoutError: importing the file took longer than 1s and was stopped at line 3."
    )
    assert error.traceback.endswith("TimeoutError: import timed out\n")


def test_a_timeout_cannot_be_swallowed_by_except_exception(tmp_path: Path) -> None:
    text = (
        "import time\nfrom tradewind import DAG\n"
        "try:\n    time.sleep(5)\nexcept Exception:\n    pass\n"
    )
    path = write(tmp_path, "swallows.py", text)

    [error] = load_dag_file(path, timeout=0.3).errors

    assert error.lineno == 4
    assert error.message.startswith("TimeoutError:")


def test_the_import_timeout_restores_an_outer_alarm() -> None:
    fired: list[int] = []

    def outer(signum: int, frame: FrameType | None) -> None:
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, outer)
    signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        load_dag_file(GOOD / "etl" / "dag.py", timeout=5)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        handler = signal.getsignal(signal.SIGALRM)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    assert handler is outer
    assert 50 < remaining <= 60
    assert fired == []


def test_a_cycle_drops_that_dag_and_names_the_cycle() -> None:
    result = load_dag_file(BROKEN / "cycle.py")

    assert list(result.dags) == ["no_cycle"]
    assert result.errors == [
        DagImportError(
            str(BROKEN / "cycle.py"),
            None,
            "DagCycleError: DAG 'has_cycle' has a dependency cycle: a → b → c → a. "
            "Remove one of these dependencies so that the tasks form a DAG.",
            "",
        )
    ]


def test_a_task_outside_any_dag_is_an_import_error_naming_its_file_and_line() -> None:
    path = BROKEN / "orphan.py"

    result = load_dag_file(path)

    assert list(result.dags) == ["has_orphan_neighbour"]
    [error] = result.errors
    assert error.lineno == 7
    assert error.message == (
        f"TaskOutsideDagError: 1 task(s) created outside any DAG: 'lost' at {path}:7. "
        "Create tasks inside `with DAG(...)` or a @dag function, or pass dag=... ."
    )


def test_a_dag_id_defined_twice_in_one_file_keeps_the_first(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.py", simple_dag("twice") + "\nwith DAG('twice'):\n    pass\n")

    result = load_dag_file(path)

    assert list(result.dags) == ["twice"]
    assert [e.message.split(";")[0] for e in result.errors] == [
        "DAG id 'twice' is defined twice in this file"
    ]


# -- folders ---------------------------------------------------------------------------------


def test_a_folder_loads_every_dag_file_below_it_in_sorted_order() -> None:
    result = load_dags(GOOD)

    assert names(result.files, GOOD) == [
        "etl/dag.py",
        "helpers_user/pipeline.py",
        "kinds.py",
        "ml/dag.py",
    ]
    assert sorted(result.dags) == [
        "kinds_assigned",
        "kinds_decorated",
        "kinds_with_block",
        "same_name_etl",
        "same_name_ml",
        "uses_sibling_helper",
    ]
    assert result.errors == []


def test_files_that_never_mention_dag_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "upper.py", "# A DAG file\n")
    write(tmp_path, "lower.py", "# builds a dag\n")
    write(tmp_path, "mixed.py", "from x import Dag\n")
    write(tmp_path, "neither.py", "raise RuntimeError('never imported')\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["lower.py", "mixed.py", "upper.py"]


def test_a_failing_file_does_not_stop_the_others() -> None:
    result = load_dags(BROKEN)

    assert sorted(result.dags) == ["has_orphan_neighbour", "no_cycle"]
    assert names([e.filename for e in result.errors], BROKEN) == [
        "cycle.py",
        "orphan.py",
        "raises.py",
    ]


def test_a_dag_id_in_two_files_keeps_the_first_and_names_both(tmp_path: Path) -> None:
    first = write(tmp_path, "a.py", simple_dag("shared") + "with DAG('only_a'):\n    pass\n")
    second = write(tmp_path, "b.py", simple_dag("shared") + "with DAG('only_b'):\n    pass\n")

    result = load_dags(tmp_path)

    assert sorted(result.dags) == ["only_a", "only_b", "shared"]
    assert result.dags["shared"].fileloc == str(first)
    assert result.errors == [
        DagImportError(
            str(second),
            None,
            f"DAG id 'shared' is already defined in {first}; the second definition, in "
            f"{second}, is ignored. Give each DAG a unique dag_id.",
            "",
        )
    ]


def test_hidden_folders_and_pycache_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "kept.py", simple_dag("kept"))
    write(tmp_path, ".hidden/h.py", simple_dag("h"))
    write(tmp_path, "__pycache__/p.py", simple_dag("p"))

    assert names(find_dag_files(tmp_path), tmp_path) == ["kept.py"]


def test_a_missing_path_raises_dag_file_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    with pytest.raises(DagFileError) as raised:
        load_dags(missing)

    assert str(raised.value) == f"No DAG file or folder at {missing}; check the path."


# -- ignore files ----------------------------------------------------------------------------


def test_ignore_file_patterns_skip_matching_files(tmp_path: Path) -> None:
    for name in ("keep.py", "skip_me.py", "draft_one.py", "draft_two.py"):
        write(tmp_path, name, simple_dag(name[:-3]))
    write(tmp_path, ".tradewindignore", "skip_me.py\ndraft_*.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["keep.py"]


def test_ignore_patterns_apply_to_subfolders(tmp_path: Path) -> None:
    write(tmp_path, "a/old.py", simple_dag("a_old"))
    write(tmp_path, "a/b/old.py", simple_dag("b_old"))
    write(tmp_path, "a/b/new.py", simple_dag("b_new"))
    write(tmp_path, ".tradewindignore", "old.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["a/b/new.py"]


def test_ignore_file_comments_and_blank_lines_are_not_patterns(tmp_path: Path) -> None:
    write(tmp_path, "kept.py", simple_dag("kept"))
    write(tmp_path, "#kept.py", simple_dag("hash"))
    write(tmp_path, "gone.py", simple_dag("gone"))
    write(tmp_path, ".tradewindignore", "# kept.py is not ignored\n#kept.py\n\n   \ngone.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["#kept.py", "kept.py"]


def test_a_pattern_with_a_slash_is_relative_to_its_ignore_file(tmp_path: Path) -> None:
    write(tmp_path, "reports/daily.py", simple_dag("top"))
    write(tmp_path, "team/reports/daily.py", simple_dag("nested"))
    write(tmp_path, ".tradewindignore", "reports/daily.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["team/reports/daily.py"]


def test_an_ignore_file_in_a_subfolder_applies_below_it_only(tmp_path: Path) -> None:
    write(tmp_path, "tmp.py", simple_dag("top"))
    write(tmp_path, "team/tmp.py", simple_dag("team"))
    write(tmp_path, "team/sub/tmp.py", simple_dag("team_sub"))
    write(tmp_path, "team/.tradewindignore", "sub/tmp.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["team/tmp.py", "tmp.py"]


def test_double_star_matches_any_number_of_folders(tmp_path: Path) -> None:
    write(tmp_path, "x/test_a.py", simple_dag("a"))
    write(tmp_path, "x/y/z/test_b.py", simple_dag("b"))
    write(tmp_path, "x/y/main.py", simple_dag("main"))
    write(tmp_path, "vendor/lib/v.py", simple_dag("vendored"))
    write(tmp_path, ".tradewindignore", "x/**/test_*.py\nvendor/**\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["x/y/main.py"]


def test_a_folder_pattern_skips_the_whole_folder(tmp_path: Path) -> None:
    write(tmp_path, "build/out.py", simple_dag("out"))
    write(tmp_path, "build.py", simple_dag("build_file"))
    write(tmp_path, ".tradewindignore", "build/\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["build.py"]


def test_a_negated_pattern_includes_a_file_again(tmp_path: Path) -> None:
    write(tmp_path, "exp_one.py", simple_dag("one"))
    write(tmp_path, "exp_keep.py", simple_dag("keep"))
    write(tmp_path, ".tradewindignore", "exp_*.py\n!exp_keep.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["exp_keep.py"]


def test_airflowignore_is_honoured_unless_turned_off(tmp_path: Path) -> None:
    write(tmp_path, "legacy.py", simple_dag("legacy"))
    write(tmp_path, "new.py", simple_dag("new"))
    write(tmp_path, ".airflowignore", "legacy.py\n")

    assert names(find_dag_files(tmp_path), tmp_path) == ["new.py"]
    assert names(find_dag_files(tmp_path, also_ignore_airflowignore=False), tmp_path) == [
        "legacy.py",
        "new.py",
    ]


def test_the_ignore_file_name_can_be_changed(tmp_path: Path) -> None:
    write(tmp_path, "a.py", simple_dag("a"))
    write(tmp_path, "b.py", simple_dag("b"))
    write(tmp_path, ".myignore", "a.py\n")

    result = load_dags(tmp_path, ignore_file_name=".myignore")

    assert list(result.dags) == ["b"]


# -- get_dag ---------------------------------------------------------------------------------


def test_get_dag_returns_the_dag_with_that_id() -> None:
    assert get_dag(GOOD, "same_name_ml").task_ids == ["train"]


def test_get_dag_with_an_unknown_id_names_the_ids_the_path_defines() -> None:
    path = GOOD / "kinds.py"

    with pytest.raises(DagNotFoundError) as raised:
        get_dag(path, "nope")

    assert str(raised.value) == (
        f"DAG 'nope' not found in {path}; it defines: "
        "kinds_assigned, kinds_decorated, kinds_with_block"
    )


def test_get_dag_with_an_unknown_id_mentions_the_first_import_error() -> None:
    path = BROKEN / "raises.py"

    with pytest.raises(DagNotFoundError) as raised:
        get_dag(path, "raises_at_import")

    assert str(raised.value) == (
        f"DAG 'raises_at_import' not found in {path}; it defines no DAGs (1 import error(s), "
        f"the first at {path}:5: ValueError: settings.yaml is missing)"
    )


# -- parsing in a child process --------------------------------------------------------------


def test_parse_in_a_subprocess_gives_the_in_process_specs() -> None:
    in_process = {d.dag_id: serialize_dag(d).to_json() for d in load_dags(GOOD).dags.values()}

    result = parse_dag_files(GOOD)

    assert {spec.dag_id: spec.to_json() for spec in result.specs} == in_process
    assert result.errors == []
    assert result.files == load_dags(GOOD).files


def test_parse_survives_files_that_exit_or_segfault() -> None:
    result = parse_dag_files(CRASH)

    assert [spec.dag_id for spec in result.specs] == ["before_crashes", "after_crashes"]
    exits, segfaults = result.errors
    assert (exits.filename, exits.lineno) == (str(CRASH / "b_exits.py"), None)
    assert exits.message.startswith("The parse process exited with status 1 while importing")
    assert (segfaults.filename, segfaults.lineno) == (str(CRASH / "c_segfaults.py"), 6)
    assert segfaults.message.startswith("The parse process was killed by SIGSEGV")


def test_parse_keeps_what_user_code_prints_out_of_the_results(tmp_path: Path) -> None:
    write(tmp_path, "loud.py", "print('{not json')\n" + simple_dag("loud"))

    result = parse_dag_files(tmp_path)

    assert [spec.dag_id for spec in result.specs] == ["loud"]
    assert result.errors == []


def test_parse_reports_each_file_left_when_the_total_timeout_ends(tmp_path: Path) -> None:
    write(tmp_path, "a_slow.py", "import time\nfrom tradewind import DAG\ntime.sleep(30)\n")
    write(tmp_path, "b_never.py", simple_dag("never"))

    result = parse_dag_files(tmp_path, timeout=20, total_timeout=1)

    assert result.specs == []
    assert names([e.filename for e in result.errors], tmp_path) == ["a_slow.py", "b_never.py"]
    assert all(e.message.startswith("TimeoutError: parsing took longer") for e in result.errors)


def test_parse_reports_a_child_that_cannot_start_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "shadow/tradewind/__init__.py", "raise ImportError('broken install')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "shadow"))

    result = parse_dag_files(GOOD)

    assert [e.filename for e in result.errors] == result.files
    assert all(
        e.message.startswith(
            "The parse process exited with status 1 before it could import any file "
            "(ImportError: broken install)."
        )
        for e in result.errors
    )
