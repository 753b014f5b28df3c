"""The table of Airflow modules Tradewind stands in for, and advice for those it does not.

Each entry maps an Airflow module to the names it offers and the Tradewind object behind each
name. Airflow 1.10 paths (``airflow.operators.python_operator``), Airflow 2 paths
(``airflow.operators.python``) and Airflow 3 paths (``airflow.sdk``,
``airflow.providers.standard``) all lead to the same classes.
docs/airflow-compatibility.md lists this table for users; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradewind.compat.finder import ModuleRecipe

__all__ = ["AIRFLOW_VERSION", "DEFAULT_HINT", "MODULE_HINTS", "NAME_HINTS", "RECIPES"]

#: What ``airflow.__version__`` says: the Airflow release whose behaviour is matched.
AIRFLOW_VERSION = "2.10.5+tradewind"

_C = "tradewind.compat.airflow"

# -- names shared by several modules --------------------------------------------------------

_DAG = {"DAG": "tradewind.sdk.dag:DAG"}
_BASE_OPERATOR = {"BaseOperator": "tradewind.sdk.baseoperator:BaseOperator"}
_CHAIN = {
    "chain": "tradewind.sdk.dependencies:chain",
    "chain_linear": f"{_C}.helpers:chain_linear",
    "cross_downstream": "tradewind.sdk.dependencies:cross_downstream",
}
_PARAM = {"Param": "tradewind.sdk.params:Param", "ParamsDict": "tradewind.sdk.params:ParamsDict"}
_VARIABLE = {"Variable": "tradewind.sdk.variables:Variable"}
_CONNECTION = {"Connection": "tradewind.sdk.connections:Connection"}
_TASK_INSTANCE = {"TaskInstance": f"{_C}.models:TaskInstance"}
_DAG_RUN = {"DagRun": f"{_C}.models:DagRun"}
_XCOM_ARG = {"XComArg": "tradewind.sdk.xcom_arg:XComArg"}
_DECORATORS = {
    "dag": "tradewind.sdk.dag:dag",
    "task": "tradewind.sdk.decorators:task",
    "task_group": "tradewind.sdk.taskgroup:task_group",
    "setup": "tradewind.sdk.decorators:setup",
    "teardown": "tradewind.sdk.decorators:teardown",
}
_TASK_GROUP = {
    "TaskGroup": "tradewind.sdk.taskgroup:TaskGroup",
    "MappedTaskGroup": "tradewind.sdk.taskgroup:MappedTaskGroup",
}
_EDGES = {
    "Label": "tradewind.sdk.dependencies:Label",
    "EdgeModifier": "tradewind.sdk.dependencies:EdgeModifier",
}
_CONTEXT = {"get_current_context": "tradewind.sdk.context:get_current_context"}
_TRIGGER_RULE = {"TriggerRule": "tradewind.contracts.states:TriggerRule"}
_STATES = {
    "State": f"{_C}.state:State",
    "DagRunState": "tradewind.contracts.states:DagRunState",
    "TaskInstanceState": "tradewind.contracts.states:TaskInstanceState",
}
_ASSETS = {
    "Asset": "tradewind.sdk.asset:Asset",
    "AssetAlias": "tradewind.sdk.asset:AssetAlias",
    "AssetAll": "tradewind.sdk.asset:AssetAll",
    "AssetAny": "tradewind.sdk.asset:AssetAny",
    "Metadata": "tradewind.sdk.asset:Metadata",
}
_BASE_HOOK = {"BaseHook": f"{_C}.hooks:BaseHook"}

_PYTHON = {
    "PythonOperator": "tradewind.operators.python:PythonOperator",
    "BranchPythonOperator": "tradewind.operators.python:BranchPythonOperator",
    "ShortCircuitOperator": "tradewind.operators.python:ShortCircuitOperator",
}
_BASH = {"BashOperator": "tradewind.operators.bash:BashOperator"}
_EMPTY = {"EmptyOperator": "tradewind.operators.empty:EmptyOperator"}
_DUMMY = {"DummyOperator": "tradewind.operators.empty:EmptyOperator"}
_LATEST_ONLY = {"LatestOnlyOperator": "tradewind.operators.latest_only:LatestOnlyOperator"}
_TRIGGER_DAGRUN = {
    "TriggerDagRunOperator": "tradewind.operators.trigger_dagrun:TriggerDagRunOperator"
}
_BRANCH = {"BaseBranchOperator": "tradewind.operators.branch:BaseBranchOperator"}

_SENSOR_BASE = {
    "BaseSensorOperator": "tradewind.sensors.base:BaseSensorOperator",
    "PokeReturnValue": "tradewind.sensors.base:PokeReturnValue",
}
_TIME_DELTA = {
    "TimeDeltaSensor": "tradewind.sensors.time_delta:TimeDeltaSensor",
    "TimeDeltaSensorAsync": "tradewind.sensors.time_delta:TimeDeltaSensorAsync",
}
_DATE_TIME = {
    "DateTimeSensor": "tradewind.sensors.date_time:DateTimeSensor",
    "DateTimeSensorAsync": "tradewind.sensors.date_time:DateTimeSensorAsync",
}
_FILE = {"FileSensor": "tradewind.sensors.filesystem:FileSensor"}
_PYTHON_SENSOR = {"PythonSensor": "tradewind.sensors.python:PythonSensor"}


def _recipe(*groups: Mapping[str, str], **constants: object) -> ModuleRecipe:
    names: dict[str, str] = {}
    for group in groups:
        names.update(group)
    return ModuleRecipe(names=names, constants=constants)


_EXCEPTION_NAMES = (
    "AirflowBadRequest",
    "AirflowConfigException",
    "AirflowDagCycleException",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowProviderDeprecationWarning",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "DagNotFound",
    "DuplicateTaskIdFound",
    "ParamValidationError",
    "RemovedInAirflow3Warning",
    "TaskNotFound",
    "XComNotFound",
)

_MACROS = {
    name: f"tradewind.sdk.macros:{name}"
    for name in (
        "datetime",
        "datetime_diff_for_humans",
        "dateutil",
        "ds_add",
        "ds_format",
        "json",
        "random",
        "time",
        "timedelta",
        "uuid",
    )
}

_STANDARD_OPERATORS = {
    "python": _recipe(_PYTHON, _CONTEXT),
    "bash": _recipe(_BASH),
    "empty": _recipe(_EMPTY),
    "latest_only": _recipe(_LATEST_ONLY),
    "trigger_dagrun": _recipe(_TRIGGER_DAGRUN),
    "branch": _recipe(_BRANCH),
}
_STANDARD_SENSORS = {
    "time_delta": _recipe(_TIME_DELTA),
    "date_time": _recipe(_DATE_TIME),
    "filesystem": _recipe(_FILE),
    "python": _recipe(_PYTHON_SENSOR),
    "external_task": _recipe(),
}

RECIPES: dict[str, ModuleRecipe] = {
    "airflow": _recipe(
        _DAG, _XCOM_ARG, {"Dataset": f"{_C}.datasets:Dataset"}, __version__=AIRFLOW_VERSION
    ),
    # -- models --------------------------------------------------------------------------
    "airflow.models": _recipe(
        _DAG,
        _BASE_OPERATOR,
        _PARAM,
        _VARIABLE,
        _CONNECTION,
        _TASK_INSTANCE,
        _DAG_RUN,
        _XCOM_ARG,
        {"MappedOperator": "tradewind.sdk.mapping:MappedOperator"},
    ),
    "airflow.models.dag": _recipe(_DAG, {"dag": "tradewind.sdk.dag:dag"}),
    "airflow.models.baseoperator": _recipe(_BASE_OPERATOR, _CHAIN),
    "airflow.models.param": _recipe(_PARAM),
    "airflow.models.variable": _recipe(_VARIABLE),
    "airflow.models.connection": _recipe(_CONNECTION),
    "airflow.models.taskinstance": _recipe(_TASK_INSTANCE),
    "airflow.models.dagrun": _recipe(_DAG_RUN),
    "airflow.models.xcom_arg": _recipe(_XCOM_ARG),
    "airflow.models.xcom": _recipe(XCOM_RETURN_KEY="return_value"),
    "airflow.models.mappedoperator": _recipe(
        {"MappedOperator": "tradewind.sdk.mapping:MappedOperator"}
    ),
    # -- authoring -----------------------------------------------------------------------
    "airflow.decorators": _recipe(_DECORATORS),
    "airflow.sdk": _recipe(
        _DAG,
        _DECORATORS,
        _TASK_GROUP,
        _BASE_OPERATOR,
        _SENSOR_BASE,
        _PARAM,
        _VARIABLE,
        _CONNECTION,
        _ASSETS,
        _EDGES,
        _CHAIN,
        _CONTEXT,
        _XCOM_ARG,
        _TRIGGER_RULE,
        _BASE_HOOK,
        {
            "Context": "tradewind.sdk.context:Context",
            "DagRunState": "tradewind.contracts.states:DagRunState",
            "TaskInstanceState": "tradewind.contracts.states:TaskInstanceState",
        },
    ),
    # -- operators: Airflow 2 and Airflow 1.10 paths ----------------------------------------
    "airflow.operators.python": _recipe(_PYTHON, _CONTEXT),
    "airflow.operators.python_operator": _recipe(_PYTHON),
    "airflow.operators.bash": _recipe(_BASH),
    "airflow.operators.bash_operator": _recipe(_BASH),
    "airflow.operators.empty": _recipe(_EMPTY),
    "airflow.operators.dummy": _recipe(_DUMMY, _EMPTY),
    "airflow.operators.dummy_operator": _recipe(_DUMMY),
    "airflow.operators.latest_only": _recipe(_LATEST_ONLY),
    "airflow.operators.latest_only_operator": _recipe(_LATEST_ONLY),
    "airflow.operators.trigger_dagrun": _recipe(_TRIGGER_DAGRUN),
    "airflow.operators.dagrun_operator": _recipe(_TRIGGER_DAGRUN),
    "airflow.operators.branch": _recipe(_BRANCH),
    "airflow.operators.branch_operator": _recipe(_BRANCH),
    # -- operators and sensors: Airflow 3's standard provider ------------------------------
    **{f"airflow.providers.standard.operators.{k}": v for k, v in _STANDARD_OPERATORS.items()},
    **{f"airflow.providers.standard.sensors.{k}": v for k, v in _STANDARD_SENSORS.items()},
    # -- sensors ---------------------------------------------------------------------------
    "airflow.sensors.base": _recipe(_SENSOR_BASE),
    "airflow.sensors.base_sensor_operator": _recipe(_SENSOR_BASE),
    "airflow.sensors.time_delta": _recipe(_TIME_DELTA),
    "airflow.sensors.time_delta_sensor": _recipe(_TIME_DELTA),
    "airflow.sensors.date_time": _recipe(_DATE_TIME),
    "airflow.sensors.date_time_sensor": _recipe(_DATE_TIME),
    "airflow.sensors.filesystem": _recipe(_FILE),
    "airflow.sensors.python": _recipe(_PYTHON_SENSOR),
    "airflow.sensors.external_task": _recipe(),
    "airflow.sensors.external_task_sensor": _recipe(),
    # -- utils -----------------------------------------------------------------------------
    "airflow.utils.dates": _recipe(
        {"days_ago": f"{_C}.dates:days_ago", "cron_presets": f"{_C}.dates:cron_presets"}
    ),
    "airflow.utils.trigger_rule": _recipe(_TRIGGER_RULE),
    "airflow.utils.task_group": _recipe(_TASK_GROUP),
    "airflow.utils.helpers": _recipe(_CHAIN),
    "airflow.utils.edgemodifier": _recipe(_EDGES),
    "airflow.utils.state": _recipe(_STATES),
    "airflow.utils.timezone": _recipe(
        {
            name: f"{_C}.timezone:{name}"
            for name in (
                "coerce_datetime",
                "convert_to_utc",
                "datetime",
                "is_localized",
                "is_naive",
                "make_aware",
                "make_naive",
                "parse",
                "utc",
                "utc_epoch",
                "utcnow",
            )
        }
    ),
    "airflow.utils.context": _recipe({"Context": "tradewind.sdk.context:Context"}, _CONTEXT),
    "airflow.utils.types": _recipe(
        {
            "DagRunType": "tradewind.contracts.runs:DagRunType",
            "NOTSET": "tradewind.sdk.params:NOTSET",
            "ArgNotSet": "tradewind.sdk.params:ArgNotSet",
        }
    ),
    "airflow.utils.log.logging_mixin": _recipe(
        {"LoggingMixin": f"{_C}.logging_mixin:LoggingMixin"}
    ),
    # -- the rest ----------------------------------------------------------------------------
    "airflow.exceptions": _recipe({name: f"{_C}.exceptions:{name}" for name in _EXCEPTION_NAMES}),
    "airflow.datasets": _recipe(
        {
            name: f"{_C}.datasets:{name}"
            for name in ("Dataset", "DatasetAlias", "DatasetAll", "DatasetAny")
        }
    ),
    "airflow.datasets.metadata": _recipe({"Metadata": f"{_C}.datasets:Metadata"}),
    "airflow.timetables.interval": _recipe(
        {
            name: f"tradewind.timetables:{name}"
            for name in ("CronDataIntervalTimetable", "DeltaDataIntervalTimetable")
        }
    ),
    "airflow.timetables.trigger": _recipe(
        {
            name: f"tradewind.timetables:{name}"
            for name in ("CronTriggerTimetable", "DeltaTriggerTimetable")
        }
    ),
    "airflow.timetables.simple": _recipe(
        {
            name: f"tradewind.timetables:{name}"
            for name in ("NullTimetable", "OnceTimetable", "ContinuousTimetable")
        }
    ),
    "airflow.timetables.base": _recipe(
        {name: f"tradewind.timetables:{name}" for name in ("DataInterval", "TimeRestriction")}
    ),
    "airflow.hooks.base": _recipe(_BASE_HOOK),
    "airflow.hooks.base_hook": _recipe(_BASE_HOOK),
    "airflow.configuration": _recipe({"conf": f"{_C}.configuration:conf"}),
    "airflow.macros": _recipe(_MACROS),
}

# -- advice for what is not supported ---------------------------------------------------------

DEFAULT_HINT = (
    "Tradewind runs Airflow DAG files without Apache Airflow and provides the modules and "
    "names listed in docs/airflow-compatibility.md; use one of those, or the tradewind.* "
    "equivalent."
)

_NO_DATABASE = (
    "DAG files and tasks on Tradewind cannot reach the metadata database or Airflow's "
    "internals; use the tradewind CLI or REST API, and pass data between tasks with XCom."
)
_NO_TRIGGERER = (
    "Tradewind runs no triggerer: deferrable sensors run in reschedule mode instead "
    "(deferrable=True on TimeDeltaSensor, DateTimeSensor, FileSensor), which also frees the "
    "worker slot while waiting."
)
_OWN_ENVIRONMENT = (
    "Tradewind runs Python tasks in the worker's own environment: use PythonOperator (or "
    "@task) and install the task's packages where the worker runs."
)
_CROSS_DAG = (
    "It reads another DAG's task states from the metadata database, which DAG files on "
    "Tradewind cannot reach. Schedule the downstream DAG on an Asset (Dataset) that the "
    "upstream task lists in outlets=[...], or start it with "
    "TriggerDagRunOperator(wait_for_completion=True)."
)
_NO_EMAIL = (
    "Tradewind does not send e-mail; send it from an on_failure_callback or a @task with "
    "your mail library."
)

#: Advice for unsupported modules, found by the longest matching module prefix.
MODULE_HINTS: dict[str, str] = {
    "airflow.providers": (
        "Provider packages are not part of Tradewind's Airflow compatibility; call the "
        "service's client library from a PythonOperator or @task, with credentials from "
        "BaseHook.get_connection() (AIRFLOW_CONN_* environment variables)."
    ),
    "airflow.providers.standard.triggers": _NO_TRIGGERER,
    "airflow.triggers": _NO_TRIGGERER,
    "airflow.contrib": (
        "airflow.contrib held Airflow 1.10's community operators, which later moved to "
        "provider packages; Tradewind provides neither. Use the standard operators, or call "
        "the service's client library from a PythonOperator or @task."
    ),
    "airflow.operators.subdag": (
        "SubDAGs were removed in Airflow 3; group tasks with TaskGroup "
        "(airflow.utils.task_group) instead."
    ),
    "airflow.operators.subdag_operator": "SubDAGs were removed in Airflow 3; use a TaskGroup.",
    "airflow.operators.email": _NO_EMAIL,
    "airflow.operators.email_operator": _NO_EMAIL,
    "airflow.utils.email": _NO_EMAIL,
    "airflow.operators.python_virtualenv": _OWN_ENVIRONMENT,
    "airflow.settings": _NO_DATABASE,
    "airflow.utils.session": _NO_DATABASE,
    "airflow.utils.db": _NO_DATABASE,
    "airflow.api": _NO_DATABASE,
    "airflow.api_connexion": _NO_DATABASE,
    "airflow.jobs": _NO_DATABASE,
    "airflow.executors": _NO_DATABASE,
    "airflow.www": _NO_DATABASE,
    "airflow.plugins_manager": (
        "Airflow plugins are not supported; put helpers in ordinary Python modules next to "
        "the DAG file (its folder is on sys.path while it is imported)."
    ),
    "airflow.timetables.events": (
        "EventsTimetable is not supported; express the dates as a cron schedule, or trigger "
        "those runs by hand."
    ),
    "airflow.timetables.datasets": (
        "Schedules that combine a time and assets are not supported yet; schedule on the "
        "assets (schedule=[Dataset(...)]) or on the time alone."
    ),
    "airflow.sensors.bash": (
        "BashSensor is not supported; use a PythonSensor (or @task.sensor) that runs the "
        "command with subprocess.run and returns whether it exited with 0."
    ),
    "airflow.sensors.weekday": (
        "DayOfWeekSensor is not supported; use a ShortCircuitOperator that checks "
        "logical_date.weekday()."
    ),
    "airflow.operators.weekday": (
        "BranchDayOfWeekOperator is not supported; use @task.branch with logical_date.weekday()."
    ),
    "airflow.operators.datetime": (
        "BranchDateTimeOperator is not supported; use @task.branch comparing the time."
    ),
}

#: Advice for unsupported names, whichever module they are imported from.
NAME_HINTS: dict[str, str] = {
    "PythonVirtualenvOperator": _OWN_ENVIRONMENT,
    "ExternalPythonOperator": _OWN_ENVIRONMENT,
    "BranchPythonVirtualenvOperator": _OWN_ENVIRONMENT,
    "BranchExternalPythonOperator": _OWN_ENVIRONMENT,
    "ExternalTaskSensor": _CROSS_DAG,
    "ExternalTaskSensorAsync": _CROSS_DAG,
    "ExternalTaskMarker": _CROSS_DAG,
    "ExternalDagLink": _CROSS_DAG,
    "DagBag": (
        "Tradewind loads DAG files itself: run one with `tradewind dags test FILE DAG_ID`, "
        "or load a folder in Python with tradewind.runtime.loader.load_dags(path)."
    ),
    "XCom": (
        "Read and write XComs through the task instance: context['ti'].xcom_pull(...) and "
        "xcom_push(...), or pass return values between @task functions."
    ),
    "DagModel": _NO_DATABASE,
    "Pool": _NO_DATABASE,
    "SlaMiss": _NO_DATABASE,
    "TaskReschedule": _NO_DATABASE,
    "Log": _NO_DATABASE,
    "Trigger": _NO_TRIGGERER,
    "TaskDeferred": _NO_TRIGGERER,
    "Timetable": (
        "Custom timetables are not supported: Tradewind's timetable interface differs from "
        "Airflow's. Use a cron expression, a timedelta, or one of the timetables in "
        "airflow.timetables.interval / trigger / simple."
    ),
    "MultipleCronTriggerTimetable": (
        "MultipleCronTriggerTimetable is not supported yet; use one cron expression, or one "
        "DAG per expression."
    ),
    "BaseOperatorLink": "Operator extra links are not supported; Tradewind's UI shows none.",
    "SkipMixin": (
        "Skip downstream tasks from a custom operator with context['ti'].skip_tasks([...]), "
        "or derive from BaseBranchOperator."
    ),
    "EmailOperator": _NO_EMAIL,
    "send_email": _NO_EMAIL,
    "SubDagOperator": "SubDAGs were removed in Airflow 3; use a TaskGroup.",
}
