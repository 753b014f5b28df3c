"""The small adapters behind Airflow names that have no Tradewind class of their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tradewind.compat.airflow import timezone
from tradewind.compat.airflow.configuration import conf
from tradewind.compat.airflow.datasets import Dataset
from tradewind.compat.airflow.dates import days_ago
from tradewind.compat.airflow.exceptions import AirflowException
from tradewind.compat.airflow.helpers import chain_linear
from tradewind.compat.airflow.models import DagRun, TaskInstance
from tradewind.compat.airflow.state import State
from tradewind.contracts.states import TaskInstanceState
from tradewind.errors import ConfigError
from tradewind.operators.bash import BashCommandError
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk import DAG, Asset


def test_days_ago_is_midnight_utc_n_days_back() -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert days_ago(2) == today - timedelta(days=2)
    assert days_ago(0, hour=6).hour == 6


def test_timezone_helpers_treat_naive_values_as_utc() -> None:
    naive = datetime(2024, 5, 1, 12)
    assert timezone.make_aware(naive) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert timezone.convert_to_utc(naive) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    amsterdam = timezone.make_aware(naive, ZoneInfo("Europe/Amsterdam"))
    assert timezone.make_naive(amsterdam) == datetime(2024, 5, 1, 10)
    assert timezone.datetime(2024, 5, 1) == datetime(2024, 5, 1, tzinfo=UTC)
    assert timezone.parse("2024-05-01T06:00:00Z") == datetime(2024, 5, 1, 6, tzinfo=UTC)
    assert timezone.is_localized(timezone.utcnow())


def test_state_constants_are_the_state_values() -> None:
    assert State.SUCCESS == TaskInstanceState.SUCCESS
    assert State.UPSTREAM_FAILED == "upstream_failed"
    assert State.SKIPPED in State.finished and State.RUNNING in State.unfinished


def test_dataset_is_the_asset_of_its_uri() -> None:
    dataset = Dataset("s3://bucket/key", extra={"owner": "me"})
    assert dataset == Asset(uri="s3://bucket/key")
    assert dataset.extra == {"owner": "me"}


def test_airflow_exception_catches_tradewinds_own_errors() -> None:
    assert issubclass(BashCommandError, AirflowException)


def test_task_instance_class_recognises_the_running_ti_by_shape() -> None:
    class Ti:
        task_id = "t"
        run_id = "r"

        def xcom_pull(self) -> None: ...

        def xcom_push(self) -> None: ...

    assert isinstance(Ti(), TaskInstance)
    assert not isinstance(object(), TaskInstance)
    assert not isinstance(Ti(), DagRun)


def test_task_instance_cannot_be_built_by_a_dag_file() -> None:
    with pytest.raises(TypeError, match="task context"):
        TaskInstance()


def test_chain_linear_joins_every_task_to_every_next_one() -> None:
    with DAG("linear", schedule=None) as dag:
        a, b, c, d, e = (EmptyOperator(task_id=name) for name in "abcde")
        chain_linear(a, [b, c], [d, e])
    assert dag.get_task("a").downstream_task_ids == {"b", "c"}
    assert dag.get_task("b").downstream_task_ids == {"d", "e"}
    assert dag.get_task("c").downstream_task_ids == {"d", "e"}


def test_conf_reads_tradewinds_dags_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.delenv("TRADEWIND__CORE__DAGS_FOLDER", raising=False)
    assert conf.get("core", "dags_folder") == str(tmp_path / "dags")


def test_conf_reads_airflow_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__WEBSERVER__BASE_URL", "http://localhost:8080")
    monkeypatch.setenv("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
    assert conf.get("webserver", "base_url") == "http://localhost:8080"
    assert conf.getboolean("core", "unit_test_mode") is True


def test_conf_without_a_value_uses_fallback_or_names_the_setting() -> None:
    assert conf.get("smtp", "smtp_host", fallback="localhost") == "localhost"
    assert conf.getint("celery", "worker_concurrency", fallback=16) == 16
    with pytest.raises(ConfigError, match=r"\[smtp\] smtp_host"):
        conf.get("smtp", "smtp_host")


def test_conf_is_read_only() -> None:
    with pytest.raises(ConfigError, match="read-only"):
        conf.set("core", "dags_folder", "/tmp")
