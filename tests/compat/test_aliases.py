"""Each Airflow module path resolves to the Tradewind object of the same meaning."""

from __future__ import annotations

import importlib

import pytest

from tradewind.compat.airflow import exceptions as compat_exceptions
from tradewind.compat.airflow.configuration import conf
from tradewind.compat.airflow.datasets import Dataset
from tradewind.compat.airflow.dates import days_ago
from tradewind.compat.airflow.hooks import BaseHook
from tradewind.compat.airflow.models import DagRun, TaskInstance
from tradewind.compat.airflow.state import State
from tradewind.contracts.states import DagRunState, TaskInstanceState, TriggerRule
from tradewind.exceptions import FailTask, SensorTimeout, SkipTask
from tradewind.operators.bash import BashOperator
from tradewind.operators.branch import BaseBranchOperator
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.latest_only import LatestOnlyOperator
from tradewind.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
from tradewind.operators.trigger_dagrun import TriggerDagRunOperator
from tradewind.sdk import (
    DAG,
    Asset,
    AssetAll,
    AssetAny,
    BaseOperator,
    Label,
    TaskGroup,
    chain,
    cross_downstream,
    dag,
    setup,
    task,
    task_group,
    teardown,
)
from tradewind.sdk.connections import Connection
from tradewind.sdk.context import get_current_context
from tradewind.sdk.params import Param
from tradewind.sdk.variables import Variable
from tradewind.sensors.base import BaseSensorOperator, PokeReturnValue
from tradewind.sensors.date_time import DateTimeSensor
from tradewind.sensors.filesystem import FileSensor
from tradewind.sensors.python import PythonSensor
from tradewind.sensors.time_delta import TimeDeltaSensor
from tradewind.timetables import CronDataIntervalTimetable, CronTriggerTimetable, NullTimetable

pytestmark = pytest.mark.usefixtures("compat")

ALIASES = [
    ("airflow", "DAG", DAG),
    ("airflow", "Dataset", Dataset),
    ("airflow.models", "DAG", DAG),
    ("airflow.models", "BaseOperator", BaseOperator),
    ("airflow.models", "Variable", Variable),
    ("airflow.models", "Connection", Connection),
    ("airflow.models", "Param", Param),
    ("airflow.models", "TaskInstance", TaskInstance),
    ("airflow.models", "DagRun", DagRun),
    ("airflow.models.dag", "DAG", DAG),
    ("airflow.models.baseoperator", "BaseOperator", BaseOperator),
    ("airflow.models.baseoperator", "chain", chain),
    ("airflow.models.param", "Param", Param),
    ("airflow.models.variable", "Variable", Variable),
    ("airflow.models.connection", "Connection", Connection),
    ("airflow.decorators", "dag", dag),
    ("airflow.decorators", "task", task),
    ("airflow.decorators", "task_group", task_group),
    ("airflow.decorators", "setup", setup),
    ("airflow.decorators", "teardown", teardown),
    ("airflow.sdk", "DAG", DAG),
    ("airflow.sdk", "dag", dag),
    ("airflow.sdk", "task", task),
    ("airflow.sdk", "Asset", Asset),
    ("airflow.sdk", "AssetAll", AssetAll),
    ("airflow.sdk", "AssetAny", AssetAny),
    ("airflow.sdk", "BaseOperator", BaseOperator),
    ("airflow.sdk", "BaseSensorOperator", BaseSensorOperator),
    ("airflow.sdk", "Variable", Variable),
    ("airflow.sdk", "get_current_context", get_current_context),
    ("airflow.sdk", "TriggerRule", TriggerRule),
    ("airflow.operators.python", "PythonOperator", PythonOperator),
    ("airflow.operators.python", "BranchPythonOperator", BranchPythonOperator),
    ("airflow.operators.python", "ShortCircuitOperator", ShortCircuitOperator),
    ("airflow.operators.python", "get_current_context", get_current_context),
    ("airflow.operators.python_operator", "PythonOperator", PythonOperator),
    ("airflow.operators.bash", "BashOperator", BashOperator),
    ("airflow.operators.bash_operator", "BashOperator", BashOperator),
    ("airflow.operators.empty", "EmptyOperator", EmptyOperator),
    ("airflow.operators.dummy", "DummyOperator", EmptyOperator),
    ("airflow.operators.dummy_operator", "DummyOperator", EmptyOperator),
    ("airflow.operators.latest_only", "LatestOnlyOperator", LatestOnlyOperator),
    ("airflow.operators.trigger_dagrun", "TriggerDagRunOperator", TriggerDagRunOperator),
    ("airflow.operators.branch", "BaseBranchOperator", BaseBranchOperator),
    ("airflow.providers.standard.operators.python", "PythonOperator", PythonOperator),
    ("airflow.providers.standard.operators.bash", "BashOperator", BashOperator),
    ("airflow.providers.standard.operators.empty", "EmptyOperator", EmptyOperator),
    (
        "airflow.providers.standard.operators.trigger_dagrun",
        "TriggerDagRunOperator",
        TriggerDagRunOperator,
    ),
    ("airflow.providers.standard.sensors.python", "PythonSensor", PythonSensor),
    ("airflow.providers.standard.sensors.time_delta", "TimeDeltaSensor", TimeDeltaSensor),
    ("airflow.providers.standard.sensors.date_time", "DateTimeSensor", DateTimeSensor),
    ("airflow.providers.standard.sensors.filesystem", "FileSensor", FileSensor),
    ("airflow.sensors.base", "BaseSensorOperator", BaseSensorOperator),
    ("airflow.sensors.base", "PokeReturnValue", PokeReturnValue),
    ("airflow.sensors.base_sensor_operator", "BaseSensorOperator", BaseSensorOperator),
    ("airflow.sensors.time_delta", "TimeDeltaSensor", TimeDeltaSensor),
    ("airflow.sensors.date_time", "DateTimeSensor", DateTimeSensor),
    ("airflow.sensors.filesystem", "FileSensor", FileSensor),
    ("airflow.sensors.python", "PythonSensor", PythonSensor),
    ("airflow.utils.dates", "days_ago", days_ago),
    ("airflow.utils.trigger_rule", "TriggerRule", TriggerRule),
    ("airflow.utils.task_group", "TaskGroup", TaskGroup),
    ("airflow.utils.helpers", "chain", chain),
    ("airflow.utils.helpers", "cross_downstream", cross_downstream),
    ("airflow.utils.edgemodifier", "Label", Label),
    ("airflow.utils.state", "State", State),
    ("airflow.utils.state", "DagRunState", DagRunState),
    ("airflow.utils.state", "TaskInstanceState", TaskInstanceState),
    ("airflow.exceptions", "AirflowSkipException", SkipTask),
    ("airflow.exceptions", "AirflowFailException", FailTask),
    ("airflow.exceptions", "AirflowSensorTimeout", SensorTimeout),
    ("airflow.exceptions", "AirflowException", compat_exceptions.AirflowException),
    ("airflow.datasets", "Dataset", Dataset),
    ("airflow.timetables.interval", "CronDataIntervalTimetable", CronDataIntervalTimetable),
    ("airflow.timetables.trigger", "CronTriggerTimetable", CronTriggerTimetable),
    ("airflow.timetables.simple", "NullTimetable", NullTimetable),
    ("airflow.hooks.base", "BaseHook", BaseHook),
    ("airflow.hooks.base_hook", "BaseHook", BaseHook),
    ("airflow.configuration", "conf", conf),
]


@pytest.mark.parametrize(
    ("module", "name", "expected"), ALIASES, ids=[f"{m}.{n}" for m, n, _ in ALIASES]
)
def test_airflow_path_imports_the_tradewind_object(
    module: str, name: str, expected: object
) -> None:
    assert getattr(importlib.import_module(module), name) is expected


def test_from_import_star_gives_the_listed_names() -> None:
    namespace: dict[str, object] = {}
    exec("from airflow.operators.python import *", namespace)
    assert namespace["PythonOperator"] is PythonOperator
    assert "PythonVirtualenvOperator" not in namespace


def test_submodule_is_reachable_as_an_attribute_of_its_package() -> None:
    airflow = importlib.import_module("airflow")
    assert airflow.utils.dates.days_ago is days_ago


def test_airflow_version_names_the_matched_release() -> None:
    airflow = importlib.import_module("airflow")
    assert airflow.__version__.startswith("2.") and "tradewind" in airflow.__version__


def test_macros_module_offers_the_template_helpers() -> None:
    macros = importlib.import_module("airflow.macros")
    assert macros.ds_add("2024-01-31", 1) == "2024-02-01"
