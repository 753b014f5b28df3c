"""What Tradewind does not provide fails at the import line with one clear ImportError."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tradewind.compat.finder import (
    UnsupportedAttributeError,
    UnsupportedImportError,
    UnsupportedModuleError,
)
from tradewind.runtime.loader import load_dag_file

pytestmark = pytest.mark.usefixtures("compat")


def _import_error(statement: str) -> ImportError:
    with pytest.raises(ImportError) as caught:
        exec(statement, {})
    return caught.value


def test_unsupported_module_names_the_module_and_tradewind() -> None:
    error = _import_error("import airflow.providers.amazon.aws.hooks.s3")
    assert isinstance(error, UnsupportedModuleError)
    assert isinstance(error, ModuleNotFoundError)
    assert "'airflow.providers.amazon'" in str(error)
    assert "not supported by Tradewind" in str(error)


def test_unsupported_name_names_the_name_its_module_and_tradewind() -> None:
    error = _import_error("from airflow.operators.python import PythonVirtualenvOperator")
    assert isinstance(error, UnsupportedImportError)
    assert "'PythonVirtualenvOperator'" in str(error)
    assert "'airflow.operators.python'" in str(error)
    assert "not supported by Tradewind" in str(error)


def test_unsupported_name_suggests_what_to_use_instead() -> None:
    error = _import_error("from airflow.sensors.external_task import ExternalTaskSensor")
    assert "Asset" in str(error) and "TriggerDagRunOperator" in str(error)


def test_unknown_name_lists_what_the_module_provides() -> None:
    error = _import_error("from airflow.operators.bash import BashSensorThing")
    assert "'BashSensorThing'" in str(error)
    assert "provides: BashOperator" in str(error)


def test_unsupported_submodule_imported_by_from_gets_the_module_advice() -> None:
    error = _import_error("from airflow import settings")
    assert isinstance(error, UnsupportedModuleError)
    assert "'airflow.settings'" in str(error) and "metadata database" in str(error)


def test_unsupported_provider_imported_by_from_gets_the_provider_advice() -> None:
    error = _import_error("from airflow.providers import postgres")
    assert "'airflow.providers.postgres'" in str(error) and "Provider packages" in str(error)


def test_unsupported_import_is_not_chained_to_other_errors() -> None:
    error = _import_error("from airflow.operators.python import ExternalPythonOperator")
    assert error.__cause__ is None and error.__context__ is None


def test_private_attribute_probe_is_an_attribute_error() -> None:
    module = importlib.import_module("airflow.operators.python")
    assert not hasattr(module, "_some_private_probe")
    assert not hasattr(module, "__wrapped__")


def test_feature_check_with_hasattr_answers_false() -> None:
    module = importlib.import_module("airflow.operators.python")
    assert not hasattr(module, "ExternalPythonOperator")
    assert getattr(module, "ExternalPythonOperator", None) is None


def test_attribute_read_of_unsupported_name_explains_it() -> None:
    module = importlib.import_module("airflow.operators.python")
    with pytest.raises(AttributeError, match="not supported by Tradewind") as caught:
        _ = module.PythonVirtualenvOperator
    assert isinstance(caught.value, UnsupportedAttributeError)


def test_unsupported_import_in_a_dag_file_is_one_import_error_at_its_line(
    tmp_path: Path,
) -> None:
    dag_file = tmp_path / "virtualenv_dag.py"
    dag_file.write_text(
        "from airflow import DAG\nfrom airflow.operators.python import PythonVirtualenvOperator\n"
    )
    result = load_dag_file(dag_file)
    assert not result.dags
    [error] = result.errors
    assert error.lineno == 2
    assert error.message.startswith("UnsupportedImportError: 'PythonVirtualenvOperator'")
    assert "not supported by Tradewind" in error.message


def test_unsupported_task_variant_names_it(tmp_path: Path) -> None:
    dag_file = tmp_path / "docker_dag.py"
    dag_file.write_text(
        "from airflow.decorators import dag, task\n"
        "@dag(schedule=None)\n"
        "def d():\n"
        "    @task.docker(image='python')\n"
        "    def f(): ...\n"
        "    f()\n"
        "d()\n"
    )
    [error] = load_dag_file(dag_file).errors
    assert "@task.docker" in error.message and error.lineno == 4
