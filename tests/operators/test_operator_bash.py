from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tradewind.exceptions import SkipTask
from tradewind.operators.bash import BashCommandError, BashOperator, context_env_vars
from tradewind.sdk import DAG, task

START = datetime(2024, 1, 1, tzinfo=UTC)
LOGGER = "tradewind.operators.bash"


def bash(command: str, **kwargs: Any) -> BashOperator:
    with DAG("d", schedule=None, start_date=START, **kwargs.pop("dag_kwargs", {})):
        return BashOperator(task_id="t", bash_command=command, **kwargs)


def test_last_output_line_is_returned(make_context):
    op = bash("echo one; echo two")
    assert op.execute(make_context(op)) == "two"


def test_no_output_returns_an_empty_string(make_context):
    op = bash("true")
    assert op.execute(make_context(op)) == ""


def test_stderr_is_part_of_the_output(make_context):
    op = bash("echo out; echo err >&2")
    assert op.execute(make_context(op)) == "err"


def test_output_processor_turns_the_last_line_into_the_result(make_context):
    op = bash("echo 41", output_processor=lambda line: int(line) + 1)
    assert op.execute(make_context(op)) == 42


def test_output_lines_are_logged_while_the_command_runs(make_context):
    op = bash("echo first; sleep 0.3; echo second")
    still_running: dict[str, bool] = {}

    class Watcher(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() in ("first", "second"):
                process = op._process
                still_running[record.getMessage()] = process is not None and process.poll() is None

    handler = Watcher(level=logging.INFO)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        op.execute(make_context(op))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert still_running["first"] is True
    assert "second" in still_running


def test_output_lines_go_to_the_task_log(make_context, caplog):
    op = bash("printf 'a\\nb\\n'")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        op.execute(make_context(op))
    assert [m for m in caplog.messages if m in ("a", "b")] == ["a", "b"]


def test_non_zero_exit_fails_naming_the_exit_code(make_context):
    op = bash("echo bad; exit 3")
    with pytest.raises(BashCommandError, match="non-zero exit code 3") as error:
        op.execute(make_context(op))
    assert error.value.exit_code == 3


def test_exit_code_99_skips_by_default(make_context):
    op = bash("exit 99")
    with pytest.raises(SkipTask, match="exit code 99"):
        op.execute(make_context(op))


def test_skip_on_exit_code_accepts_a_list(make_context):
    op = bash("exit 5", skip_on_exit_code=[4, 5])
    with pytest.raises(SkipTask):
        op.execute(make_context(op))


def test_skip_on_exit_code_none_makes_99_a_failure(make_context):
    op = bash("exit 99", skip_on_exit_code=None)
    with pytest.raises(BashCommandError, match="99"):
        op.execute(make_context(op))


def test_env_replaces_the_inherited_environment(make_context, monkeypatch):
    monkeypatch.setenv("TW_TEST_INHERITED", "yes")
    op = bash('echo "${TW_TEST_INHERITED:-unset}-$MINE"', env={"MINE": "m"})
    assert op.execute(make_context(op)) == "unset-m"


def test_append_env_adds_env_to_the_inherited_environment(make_context, monkeypatch):
    monkeypatch.setenv("TW_TEST_INHERITED", "yes")
    op = bash('echo "$TW_TEST_INHERITED-$MINE"', env={"MINE": "m"}, append_env=True)
    assert op.execute(make_context(op)) == "yes-m"


def test_without_env_the_environment_is_inherited(make_context, monkeypatch):
    monkeypatch.setenv("TW_TEST_INHERITED", "yes")
    op = bash('echo "$TW_TEST_INHERITED"')
    assert op.execute(make_context(op)) == "yes"


def test_context_variables_reach_the_command(make_context):
    op = bash(
        'echo "$AIRFLOW_CTX_DAG_ID|$AIRFLOW_CTX_TASK_ID|$AIRFLOW_CTX_LOGICAL_DATE|'
        '$AIRFLOW_CTX_RUN_ID|$AIRFLOW_CTX_TRY_NUMBER|$AIRFLOW_CTX_DAG_OWNER"',
        env={},
        owner="ada",
    )
    context = make_context(op, run_id="r7")
    context["ti"].try_number = 2
    assert op.execute(context) == "d|t|2024-01-01T00:00:00+00:00|r7|2|ada"


def test_context_variables_have_tradewind_and_airflow_names(make_context):
    op = bash("true")
    env = context_env_vars(make_context(op, run_id="r7"), op)
    assert env["TRADEWIND_CTX_RUN_ID"] == "r7"
    assert env["AIRFLOW_CTX_DAG_RUN_ID"] == "r7"
    assert env["TRADEWIND_CTX_DAG_ID"] == env["AIRFLOW_CTX_DAG_ID"] == "d"
    assert env["AIRFLOW_CTX_EXECUTION_DATE"] == "2024-01-01T00:00:00+00:00"


def test_logical_date_variable_is_absent_for_runs_without_one(make_context):
    op = bash("true")
    env = context_env_vars(make_context(op, logical_date=None, interval=None), op)
    assert "AIRFLOW_CTX_LOGICAL_DATE" not in env
    assert env["AIRFLOW_CTX_TASK_ID"] == "t"


def test_cwd_is_the_working_directory(make_context, tmp_path):
    op = bash("pwd", cwd=str(tmp_path))
    assert op.execute(make_context(op)) == str(tmp_path)


def test_default_working_directory_is_a_fresh_temporary_directory(make_context):
    op = bash("ls -A | wc -l | tr -d ' '")
    first = bash("pwd")
    folder = Path(first.execute(make_context(first)))
    assert op.execute(make_context(op)) == "0"
    assert folder.name.startswith("tradewindtmp")
    assert not folder.exists()


def test_missing_cwd_is_an_error(make_context, tmp_path):
    op = bash("pwd", cwd=str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="nope"):
        op.execute(make_context(op))


def test_non_string_env_value_is_an_error_naming_it(make_context):
    op = bash("true", env={"N": 1})
    with pytest.raises(TypeError, match="N"):
        op.execute(make_context(op))


def test_bash_command_and_env_are_templated(make_context):
    op = bash('echo "{{ ds }} $DAY"', env={"DAY": "{{ ds_nodash }}"})
    context = make_context(op)
    op.render_template_fields(context)
    assert op.execute(context) == "2024-01-01 20240101"


def test_script_file_is_rendered_from_the_template_searchpath(make_context, tmp_path):
    (tmp_path / "job.sh").write_text("echo from file {{ ds }}\n")
    op = bash("job.sh", dag_kwargs={"template_searchpath": [str(tmp_path)]})
    context = make_context(op)
    op.render_template_fields(context)
    assert op.execute(context) == "from file 2024-01-01"


def test_command_longer_than_the_argument_limit_still_runs(make_context):
    filler = ": " + "x" * 1000 + "\n"
    op = bash(filler * 200 + "echo done")
    assert op.execute(make_context(op)) == "done"


def test_invalid_bytes_are_escaped_not_fatal(make_context):
    op = bash("printf 'caf\\xff\\n'")
    assert op.execute(make_context(op)) == "caf\\xff"


def test_on_kill_stops_the_whole_process_group(make_context):
    op = bash("sleep 30 & echo started; wait")
    started = threading.Event()
    outcome: dict[str, BaseException] = {}

    class Started(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "started":
                started.set()

    def run() -> None:
        try:
            op.execute(make_context(op))
        except BaseException as exc:
            outcome["error"] = exc

    logger = logging.getLogger(LOGGER)
    handler = Started(level=logging.INFO)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        worker = threading.Thread(target=run)
        worker.start()
        assert started.wait(5)
        op.on_kill()
        worker.join(5)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert not worker.is_alive()
    assert isinstance(outcome["error"], BashCommandError)
    assert "killed by SIGTERM (exit code -15)" in str(outcome["error"])


def test_on_kill_without_a_running_command_does_nothing():
    op = bash("true")
    op.on_kill()


def test_task_bash_runs_the_returned_command(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.bash(env={"GREETING": "hi"})
        def greet(name):
            return f'echo "$GREETING {name} {{{{ ds }}}}"'

        greet("ada")
    op = dag.get_task("greet")
    assert isinstance(op, BashOperator)
    context = make_context(op)
    op.render_template_fields(context)
    assert op.execute(context) == "hi ada 2024-01-01"


def test_task_bash_rejects_an_empty_command(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.bash
        def nothing():
            return "  "

        nothing()
    op = dag.get_task("nothing")
    with pytest.raises(TypeError, match="non-empty string"):
        op.execute(make_context(op))


def test_task_bash_skip_exit_code_applies(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.bash(skip_on_exit_code=7)
        def skipper():
            return "exit 7"

        skipper()
    op = dag.get_task("skipper")
    with pytest.raises(SkipTask):
        op.execute(make_context(op))
