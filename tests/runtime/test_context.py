from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jinja2
import pytest

from tradewind.compat.airflow.datasets import Dataset
from tradewind.contracts.runs import DagRunInfo, DagRunType
from tradewind.errors import TemplateRenderError, TradewindError
from tradewind.runtime.context import (
    ConnectionNotFoundError,
    ContextDagRun,
    VariableNotFoundError,
    build_context,
)
from tradewind.runtime.outlet_events import OutletEventAccessors
from tradewind.sdk import macros
from tradewind.sdk.asset import Asset, AssetAlias
from tradewind.sdk.context import Context, get_current_context, set_current_context
from tradewind.sdk.templating import TemplateOptions, make_environment, render_value

LOGICAL = datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)
INTERVAL_END = LOGICAL + timedelta(days=1)
RUN_AFTER = INTERVAL_END + timedelta(minutes=1)
STARTED = RUN_AFTER + timedelta(seconds=5)
PREV_START = LOGICAL - timedelta(days=1)


class Dag:
    dag_id = "etl"


class Task:
    task_id = "load"

    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


class TI:
    task_id = "load"


class Conn:
    host = "db.internal"


VARIABLES = {"bucket": "s3://data", "cfg": '{"lr": 0.1, "layers": [2, 3]}', "bad": "{nope"}


def scheduled_run(**changes: Any) -> DagRunInfo:
    fields: dict[str, Any] = {
        "dag_id": "etl",
        "run_id": "scheduled__2024-03-05T06:07:08+00:00",
        "run_type": DagRunType.SCHEDULED,
        "logical_date": LOGICAL,
        "data_interval_start": LOGICAL,
        "data_interval_end": INTERVAL_END,
        "run_after": RUN_AFTER,
        "start_date": STARTED,
        "conf": {"k": [1]},
        "note": "hello",
        "prev_data_interval_start_success": PREV_START,
        "prev_data_interval_end_success": LOGICAL,
        "prev_start_date_success": PREV_START + timedelta(days=1, minutes=2),
        "triggering_asset_events": {},
    }
    fields.update(changes)
    return DagRunInfo(**fields)


def make(run: DagRunInfo | None = None, **kwargs: Any) -> Context:
    arguments: dict[str, Any] = {
        "dag": DAG,
        "task": TASK,
        "ti": TI_OBJ,
        "run": run or scheduled_run(),
        "params": {"n": 5},
        "get_variable": VARIABLES.get,
        "get_connection": {"warehouse": Conn()}.get,
    }
    arguments.update(kwargs)
    return build_context(**arguments)


DAG, TASK, TI_OBJ = Dag(), Task(), TI()


def render(template: str, context: Context) -> Any:
    return render_value(template, context, make_environment(TemplateOptions()))


# -- every key, for a scheduled daily run ------------------------------------------------------


def test_context_has_exactly_airflows_keys() -> None:
    assert set(make()) == {
        "conf",
        "conn",
        "dag",
        "dag_run",
        "data_interval_end",
        "data_interval_start",
        "ds",
        "ds_nodash",
        "execution_date",
        "expanded_ti_count",
        "inlets",
        "logical_date",
        "macros",
        "map_index_template",
        "next_ds",
        "next_ds_nodash",
        "next_execution_date",
        "outlet_events",
        "outlets",
        "params",
        "prev_data_interval_end_success",
        "prev_data_interval_start_success",
        "prev_ds",
        "prev_ds_nodash",
        "prev_execution_date",
        "prev_execution_date_success",
        "prev_start_date_success",
        "run_id",
        "task",
        "task_instance",
        "task_instance_key_str",
        "test_mode",
        "ti",
        "tomorrow_ds",
        "tomorrow_ds_nodash",
        "triggering_asset_events",
        "triggering_dataset_events",
        "ts",
        "ts_nodash",
        "ts_nodash_with_tz",
        "var",
        "yesterday_ds",
        "yesterday_ds_nodash",
    }


def test_context_is_a_dict() -> None:
    context = make()
    assert isinstance(context, Context)
    assert isinstance(context, dict)


def test_date_string_keys() -> None:
    context = make()
    assert (context["ds"], context["ds_nodash"]) == ("2024-03-05", "20240305")
    assert context["ts"] == "2024-03-05T06:07:08+00:00"
    assert context["ts_nodash"] == "20240305T060708"
    assert context["ts_nodash_with_tz"] == "20240305T060708+0000"


def test_datetime_keys() -> None:
    context = make()
    assert context["logical_date"] == LOGICAL
    assert context["data_interval_start"] == LOGICAL
    assert context["data_interval_end"] == INTERVAL_END


def test_previous_success_keys() -> None:
    context = make()
    assert context["prev_data_interval_start_success"] == PREV_START
    assert context["prev_data_interval_end_success"] == LOGICAL
    assert context["prev_start_date_success"] == datetime(2024, 3, 5, 6, 9, 8, tzinfo=UTC)


def test_identity_keys() -> None:
    context = make()
    assert context["dag"] is DAG
    assert context["task"] is TASK
    assert context["ti"] is TI_OBJ
    assert context["task_instance"] is TI_OBJ
    assert context["run_id"] == "scheduled__2024-03-05T06:07:08+00:00"
    assert context["task_instance_key_str"] == "etl__load__20240305"


def test_fixed_keys() -> None:
    context = make()
    assert context["conf"] is None
    assert context["macros"] is macros
    assert context["map_index_template"] is None
    assert context["expanded_ti_count"] is None
    assert context["test_mode"] is False
    assert context["params"] == {"n": 5}


def test_test_mode_is_passed_through() -> None:
    assert make(test_mode=True)["test_mode"] is True


def test_inlets_and_outlets_default_to_empty_lists() -> None:
    context = make()
    assert (context["inlets"], context["outlets"]) == ([], [])


def test_inlets_and_outlets_come_from_the_task() -> None:
    task = Task(inlets=["a"], outlets=["b"], map_index_template="{{ x }}")
    context = make(task=task)
    assert (context["inlets"], context["outlets"]) == (["a"], ["b"])
    assert context["map_index_template"] == "{{ x }}"


def test_triggering_asset_events_and_alias() -> None:
    events = {"s3://bucket/x": [{"extra": {"rows": 3}, "source_aliases": []}]}
    context = make(scheduled_run(triggering_asset_events=events))
    assert context["triggering_asset_events"] == events
    assert context["triggering_dataset_events"] is context["triggering_asset_events"]


def test_triggering_asset_events_read_as_airflow_2_and_3_code_reads_them() -> None:
    event = {
        "id": 7,
        "asset": {"name": "x", "uri": "s3://bucket/x"},
        "extra": {"rows": 3},
        "source_aliases": [{"name": "exports"}],
        "source_dag_run": {"dag_id": "producer", "data_interval_start": None},
    }
    found = make(scheduled_run(triggering_asset_events={"s3://bucket/x": [event]}))[
        "triggering_asset_events"
    ]
    (by_uri,) = found["s3://bucket/x"]
    assert found[Asset("s3://bucket/x")] == found[Dataset("s3://bucket/x")] == [by_uri]
    assert found[AssetAlias("exports")] == [by_uri]
    assert found[AssetAlias("other")] == [] and AssetAlias("other") not in found
    assert Asset("s3://bucket/x") in found and found.get(Asset("s3://bucket/y")) is None
    assert (by_uri.extra, by_uri.asset.uri, by_uri.source_dag_run.dag_id) == (
        {"rows": 3},
        "s3://bucket/x",
        "producer",
    )
    with pytest.raises(AttributeError, match="no field 'nope'"):
        _ = by_uri.nope
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        "{{ (events.values() | first | first).source_dag_run.dag_id }}"
    )
    assert template.render(events=found) == "producer"


def test_outlet_events_cover_the_tasks_outlets() -> None:
    raw, alias = Asset("s3://bucket/raw"), AssetAlias("exports")
    outlet_events = make(task=Task(outlets=[raw, alias]))["outlet_events"]
    assert isinstance(outlet_events, OutletEventAccessors)
    assert set(outlet_events) == {raw, alias}
    assert outlet_events[alias] is outlet_events["exports"]


def test_extra_entries_are_added_last() -> None:
    context = make(extra={"expanded_ti_count": 3, "ds": "overridden"})
    assert (context["expanded_ti_count"], context["ds"]) == (3, "overridden")


# -- dag_run ---------------------------------------------------------------------------------


def test_dag_run_attributes() -> None:
    dag_run = make()["dag_run"]
    assert dag_run == ContextDagRun(
        dag_id="etl",
        run_id="scheduled__2024-03-05T06:07:08+00:00",
        run_type=DagRunType.SCHEDULED,
        logical_date=LOGICAL,
        data_interval_start=LOGICAL,
        data_interval_end=INTERVAL_END,
        run_after=RUN_AFTER,
        start_date=STARTED,
        conf={"k": [1]},
        note="hello",
    )


def test_dag_run_execution_date_is_the_logical_date() -> None:
    assert make()["dag_run"].execution_date == LOGICAL


def test_dag_run_external_trigger_is_true_for_manual_runs() -> None:
    manual = make(scheduled_run(run_type=DagRunType.MANUAL))["dag_run"]
    assert (manual.external_trigger, make()["dag_run"].external_trigger) == (True, False)


def test_dag_run_conf_is_a_copy() -> None:
    run = scheduled_run()
    make(run)["dag_run"].conf["k"].append(2)
    assert run.conf == {"k": [1]}


def test_dag_run_conf_reads_from_templates() -> None:
    assert render("{{ dag_run.conf['k'][0] }}", make()) == "1"


# -- Airflow 2 keys -------------------------------------------------------------------------


def test_execution_date_is_the_logical_date() -> None:
    assert make()["execution_date"] == LOGICAL


def test_next_keys_are_the_end_of_the_interval_for_a_daily_run() -> None:
    context = make()
    assert context["next_execution_date"] == INTERVAL_END
    assert (context["next_ds"], context["next_ds_nodash"]) == ("2024-03-06", "20240306")


def test_prev_keys_are_one_interval_before_for_a_daily_run() -> None:
    context = make()
    assert context["prev_execution_date"] == LOGICAL - timedelta(days=1)
    assert (context["prev_ds"], context["prev_ds_nodash"]) == ("2024-03-04", "20240304")


def test_yesterday_and_tomorrow_keys() -> None:
    context = make()
    assert (context["yesterday_ds"], context["yesterday_ds_nodash"]) == ("2024-03-04", "20240304")
    assert (context["tomorrow_ds"], context["tomorrow_ds_nodash"]) == ("2024-03-06", "20240306")


def test_prev_execution_date_success_is_prev_interval_start() -> None:
    assert make()["prev_execution_date_success"] == PREV_START


def test_monthly_interval_steps_by_calendar_months() -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    end = datetime(2024, 4, 1, tzinfo=UTC)
    run = scheduled_run(logical_date=start, data_interval_start=start, data_interval_end=end)
    context = make(run)
    assert (context["prev_ds"], context["next_ds"]) == ("2024-02-01", "2024-04-01")


def test_manual_run_neighbours_are_its_own_logical_date() -> None:
    context = make(scheduled_run(run_type=DagRunType.MANUAL))
    assert context["prev_execution_date"] == context["next_execution_date"] == LOGICAL
    assert (context["prev_ds"], context["next_ds"]) == ("2024-03-05", "2024-03-05")


def test_asset_triggered_run_has_no_neighbours() -> None:
    context = make(scheduled_run(run_type=DagRunType.ASSET_TRIGGERED))
    assert (context["prev_execution_date"], context["next_execution_date"]) == (None, None)
    assert (context["prev_ds"], context["next_ds_nodash"]) == (None, None)


def test_empty_interval_has_no_neighbours() -> None:
    context = make(scheduled_run(data_interval_end=LOGICAL))
    assert (context["prev_ds"], context["next_ds"]) == (None, None)


def test_deprecated_keys_render_without_warnings() -> None:
    context = make()
    assert render("{{ execution_date | ds }} {{ next_ds }} {{ prev_ds }}", context) == (
        "2024-03-05 2024-03-06 2024-03-04"
    )


# -- time zones and missing logical dates ----------------------------------------------------


def test_dates_are_computed_in_utc() -> None:
    local = LOGICAL.astimezone(timezone(timedelta(hours=-9)))  # 2024-03-04 21:07 local
    context = make(scheduled_run(logical_date=local))
    assert (context["ds"], context["ts"]) == ("2024-03-05", "2024-03-05T06:07:08+00:00")
    assert context["logical_date"].tzinfo is UTC


def test_naive_dates_are_taken_as_utc() -> None:
    context = make(scheduled_run(logical_date=LOGICAL.replace(tzinfo=None)))
    assert context["logical_date"] == LOGICAL


def test_run_without_logical_date_has_no_date_keys() -> None:
    run = scheduled_run(
        run_type=DagRunType.MANUAL,
        logical_date=None,
        data_interval_start=None,
        data_interval_end=None,
    )
    context = make(run)
    for key in ("ds", "ts", "logical_date", "execution_date", "next_ds", "data_interval_start"):
        assert key not in context
    assert context["task_instance_key_str"] == "etl__load__scheduled__2024-03-05T06:07:08+00:00"
    assert context["dag_run"].logical_date is None


def test_missing_date_key_error_explains_why() -> None:
    context = make(scheduled_run(logical_date=None))
    with pytest.raises(KeyError, match="this DAG run has no logical date"):
        context["ds"]


def test_missing_date_key_in_template_is_an_undefined_error() -> None:
    context = make(scheduled_run(logical_date=None))
    with pytest.raises(TemplateRenderError, match="'ds' is undefined"):
        render("{{ ds }}", context)


def test_other_missing_key_is_a_plain_key_error() -> None:
    with pytest.raises(KeyError, match="'nope'"):
        make()["nope"]


# -- var ---------------------------------------------------------------------------------------


def test_var_value_by_attribute() -> None:
    assert render("{{ var.value.bucket }}", make()) == "s3://data"


def test_var_value_get_with_default() -> None:
    assert render("{{ var.value.get('missing', 'fallback') }}", make()) == "fallback"


def test_var_value_get_of_existing_variable() -> None:
    assert render("{{ var.value.get('bucket', 'fallback') }}", make()) == "s3://data"


def test_var_json_reads_nested_keys() -> None:
    assert render("{{ var.json.cfg.lr }} {{ var.json.cfg.layers[1] }}", make()) == "0.1 3"


def test_var_json_get_with_default() -> None:
    assert make()["var"].json.get("missing", {"a": 1}) == {"a": 1}


def test_var_item_access_works_as_in_airflow_dicts() -> None:
    assert make()["var"]["value"]["bucket"] == "s3://data"


def test_missing_variable_raises_a_clear_key_error() -> None:
    with pytest.raises(VariableNotFoundError) as info:
        make()["var"].value.nope  # noqa: B018
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, TradewindError)
    assert str(info.value) == (
        "Variable 'nope' does not exist. Create it (CLI, REST API or UI) before the task runs, "
        "or give a default: {{ var.value.get('nope', 'fallback') }}."
    )


def test_missing_variable_get_without_default_raises() -> None:
    with pytest.raises(VariableNotFoundError, match="Variable 'nope' does not exist"):
        make()["var"].json.get("nope")


def test_missing_variable_in_template_names_the_variable() -> None:
    with pytest.raises(TemplateRenderError, match="Variable 'nope' does not exist"):
        render("{{ var.value.nope }}", make())


def test_variable_that_is_not_json_raises_clearly() -> None:
    with pytest.raises(TradewindError, match="Variable 'bad' is not valid JSON"):
        make()["var"].json.bad  # noqa: B018


def test_variable_membership() -> None:
    values = make()["var"].value
    assert ("bucket" in values, "nope" in values) == (True, False)


# -- conn --------------------------------------------------------------------------------------


def test_conn_by_attribute() -> None:
    assert render("{{ conn.warehouse.host }}", make()) == "db.internal"


def test_conn_get_with_default() -> None:
    assert make()["conn"].get("missing", "fallback") == "fallback"


def test_missing_connection_raises_a_clear_key_error() -> None:
    with pytest.raises(ConnectionNotFoundError) as info:
        make()["conn"].missing  # noqa: B018
    assert isinstance(info.value, KeyError)
    assert str(info.value) == (
        "Connection 'missing' does not exist. Create it (CLI, REST API or UI) before the task runs."
    )


def test_conn_without_lookup_raises_clearly() -> None:
    with pytest.raises(TradewindError, match="built without a connection lookup"):
        make(get_connection=None)["conn"].warehouse  # noqa: B018


# -- get_current_context ----------------------------------------------------------------------


def test_get_current_context_outside_a_task_raises() -> None:
    with pytest.raises(TradewindError, match=r"get_current_context\(\) works only while a task"):
        get_current_context()


def test_get_current_context_inside_a_task() -> None:
    context = make()
    with set_current_context(context):
        assert get_current_context() is context


def test_current_context_is_cleared_after_the_task() -> None:
    with set_current_context(make()):
        pass
    with pytest.raises(TradewindError):
        get_current_context()


def test_nested_contexts_restore_the_outer_one() -> None:
    outer, inner = make(), make()
    with set_current_context(outer):
        with set_current_context(inner):
            assert get_current_context() is inner
        assert get_current_context() is outer


def test_thread_started_by_the_only_running_task_sees_its_context() -> None:
    context, seen = make(), []
    with set_current_context(context):
        thread = threading.Thread(target=lambda: seen.append(get_current_context()))
        thread.start()
        thread.join()
    assert seen == [context]


def test_concurrent_tasks_in_threads_see_their_own_context() -> None:
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        context = make(extra={"name": name})
        with set_current_context(context):
            barrier.wait()
            results[name] = get_current_context()["name"]
            barrier.wait()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"a": "a", "b": "b"}


def test_async_tasks_see_their_own_context() -> None:
    async def task(name: str) -> str:
        with set_current_context(make(extra={"name": name})):
            await asyncio.sleep(0)
            return str(get_current_context()["name"])

    async def main() -> list[str]:
        return list(await asyncio.gather(task("a"), task("b")))

    assert asyncio.run(main()) == ["a", "b"]
