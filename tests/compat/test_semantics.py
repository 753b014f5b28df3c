"""Airflow semantics that DAG files rely on, each run through a small DAG file."""

from __future__ import annotations

import logging
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tradewind.cli.dag_test import DagTestResult, run_dag_test
from tradewind.core.execution_service import StoreExecutionService
from tradewind.runtime.loader import load_dag_file

LOGICAL_DATE = datetime(2024, 1, 2, tzinfo=UTC)


def _load(tmp_path: Path, source: str) -> Any:
    dag_file = tmp_path / "semantics_dag.py"
    dag_file.write_text(textwrap.dedent(source))
    loaded = load_dag_file(dag_file)
    assert not loaded.errors, loaded.errors[0].traceback
    [dag] = loaded.dags.values()
    return dag


def _run(tmp_path: Path, source: str, **options: Any) -> DagTestResult:
    result = run_dag_test(_load(tmp_path, source), logical_date=LOGICAL_DATE, quiet=True, **options)
    errors = {t.task_id: t.error for t in result.tries if t.error}
    assert str(result.state) == "success", errors
    return result


def test_schedule_interval_keeps_airflow_2_data_intervals(tmp_path: Path) -> None:
    dag = _load(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        dag = DAG("d", schedule_interval="@daily", start_date=datetime(2024, 1, 1))
        """,
    )
    assert dag.schedule == "@daily"
    # Written for Airflow 2: a run covers the day between two ticks, as it did there.
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"


@pytest.mark.parametrize(
    ("old_name", "rule"),
    [("dummy", "always"), ("none_failed_or_skipped", "none_failed_min_one_success")],
)
def test_renamed_trigger_rules_of_older_airflow_still_work(
    tmp_path: Path, old_name: str, rule: str
) -> None:
    dag = _load(
        tmp_path,
        f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("d", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
            EmptyOperator(task_id="t", trigger_rule="{old_name}")
        """,
    )
    assert dag.get_task("t").trigger_rule == rule


def test_timetable_argument_is_an_alias_of_schedule(tmp_path: Path) -> None:
    dag = _load(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.timetables.interval import CronDataIntervalTimetable
        dag = DAG("d", timetable=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
                  start_date=datetime(2024, 1, 1))
        """,
    )
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"


def test_xcom_pull_follows_airflows_defaults(tmp_path: Path) -> None:
    _run(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.python import PythonOperator

        def pull(ti):
            assert ti.xcom_pull(task_ids="a") == 1
            assert ti.xcom_pull(task_ids=["a", "b"]) == [1, 2]
            assert ti.xcom_pull(task_ids="a", key="extra") == "x"
            assert ti.xcom_pull(task_ids="a", include_prior_dates=True) == 1
            assert ti.xcom_pull(task_ids="missing_key", key="nope") is None

        def push_a(ti):
            ti.xcom_push(key="extra", value="x")
            return 1

        with DAG("d", schedule=None, start_date=datetime(2024, 1, 1)):
            a = PythonOperator(task_id="a", python_callable=push_a)
            b = PythonOperator(task_id="b", python_callable=lambda: 2)
            c = PythonOperator(task_id="missing_key", python_callable=lambda: None)
            [a, b, c] >> PythonOperator(task_id="pull", python_callable=pull)
        """,
    )


def test_bash_task_sees_airflow_ctx_variables(tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    _run(
        tmp_path,
        f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.bash import BashOperator
        with DAG("ctx_dag", schedule=None, start_date=datetime(2024, 1, 1),
                 default_args={{"owner": "ops"}}):
            BashOperator(task_id="env", bash_command="env | grep ^AIRFLOW_CTX_ > {out}")
        """,
    )
    env = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert env["AIRFLOW_CTX_DAG_ID"] == "ctx_dag"
    assert env["AIRFLOW_CTX_TASK_ID"] == "env"
    assert env["AIRFLOW_CTX_DAG_OWNER"] == "ops"
    assert env["AIRFLOW_CTX_TRY_NUMBER"] == "1"
    assert env["AIRFLOW_CTX_EXECUTION_DATE"] == LOGICAL_DATE.isoformat()
    assert env["AIRFLOW_CTX_DAG_RUN_ID"].startswith("manual__")


def test_variable_get_in_a_task_reads_the_runners_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stored(self: object, key: str) -> str | None:
        return '{"limit": 5}' if key == "limits" else None

    monkeypatch.setattr(StoreExecutionService, "get_variable", stored)
    _run(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.models import Variable
        from airflow.operators.python import PythonOperator

        def read():
            assert Variable.get("limits", deserialize_json=True) == {"limit": 5}

        with DAG("d", schedule=None, start_date=datetime(2024, 1, 1)):
            PythonOperator(task_id="read", python_callable=read)
        """,
    )


def test_connection_in_a_task_and_template_comes_from_the_runners_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stored(self: object, conn_id: str) -> dict[str, Any] | None:
        return {"conn_type": "postgres", "host": "db.internal"} if conn_id == "db" else None

    monkeypatch.setattr(StoreExecutionService, "get_connection", stored)
    _run(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.hooks.base import BaseHook
        from airflow.operators.python import PythonOperator

        def read(templates_dict):
            assert BaseHook.get_connection("db").host == "db.internal"
            assert templates_dict["host"] == "db.internal"

        with DAG("d", schedule=None, start_date=datetime(2024, 1, 1)):
            PythonOperator(task_id="read", python_callable=read,
                           templates_dict={"host": "{{ conn.db.host }}"})
        """,
    )


def test_variable_get_at_parse_time_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DAG_OWNER", "team-a")
    dag = _load(
        tmp_path,
        """
        from airflow import DAG
        from airflow.models import Variable
        dag = DAG("d", schedule=None, default_args={"owner": Variable.get("dag_owner")})
        """,
    )
    assert dag.default_args["owner"] == "team-a"


def test_custom_operator_log_reaches_the_task_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _run(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.models import BaseOperator

        class Hello(BaseOperator):
            def execute(self, context):
                self.log.info("hello from %s", self.task_id)

        with DAG("d", schedule=None, start_date=datetime(2024, 1, 1)):
            Hello(task_id="hello")
        """,
    )
    assert "hello from hello" in caplog.messages


def test_provide_context_callable_gets_the_context(tmp_path: Path) -> None:
    _run(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.python_operator import PythonOperator
        from airflow.models import TaskInstance

        def legacy(ds, **kwargs):
            assert ds == "2024-01-02"
            assert isinstance(kwargs["ti"], TaskInstance)
            assert kwargs["dag_run"].external_trigger

        dag = DAG("d", schedule_interval=None, start_date=datetime(2024, 1, 1))
        PythonOperator(task_id="legacy", python_callable=legacy, provide_context=True, dag=dag)
        """,
    )


def test_skip_and_fail_exceptions_steer_the_task(tmp_path: Path) -> None:
    dag = _load(
        tmp_path,
        """
        from datetime import datetime
        from airflow import DAG
        from airflow.exceptions import AirflowFailException, AirflowSkipException
        from airflow.operators.python import PythonOperator

        def skip():
            raise AirflowSkipException("not today")

        def fail():
            raise AirflowFailException("no retry")

        with DAG("d", schedule=None, start_date=datetime(2024, 1, 1),
                 default_args={"retries": 3}):
            PythonOperator(task_id="skip", python_callable=skip)
            PythonOperator(task_id="fail", python_callable=fail)
        """,
    )
    result = run_dag_test(dag, logical_date=LOGICAL_DATE, quiet=True)
    assert result.states() == {"skip": "skipped", "fail": "failed"}
    assert [t.try_number for t in result.tries if t.task_id == "fail"] == [1]
