"""Params, run conf and Jinja templates with Airflow 2's context keys and macros.

Run with conf {"n": 7} and logical date 2024-01-02. Expected in Airflow: both tasks succeed.
"""

from datetime import datetime

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def check(templates_dict, params, dag_run, **context):
    t = templates_dict
    assert params["n"] == 7 and params["name"] == "world", params
    assert dag_run.conf == {"n": 7}, dag_run.conf
    assert t["n"] == "7" and t["conf_n"] == "7", t
    assert t["ds"] == "2024-01-02" and t["ds_nodash"] == "20240102", t
    assert t["tomorrow"] == "2024-01-03" == t["tomorrow_ds"], t
    assert t["yesterday_ds"] == "2024-01-01", t
    assert t["execution_date"].startswith("2024-01-02T00:00:00"), t
    assert t["shout"] == "WORLD", t
    assert t["var"] == "fallback", t
    assert t["key"] == "v2_params_templates__check__20240102", t
    assert t["task"] == "check" and t["dag"] == "v2_params_templates", t
    assert context["op"] == "templated 7", context["op"]


with DAG(
    "v2_params_templates",
    schedule_interval="@daily",
    start_date=datetime(2024, 1, 1),
    params={"n": Param(5, type="integer", minimum=1), "name": "world"},
    user_defined_macros={"shout": lambda s: s.upper()},
) as dag:
    PythonOperator(
        task_id="check",
        python_callable=check,
        op_kwargs={"op": "templated {{ params.n }}"},
        templates_dict={
            "n": "{{ params.n }}",
            "conf_n": "{{ dag_run.conf['n'] }}",
            "ds": "{{ ds }}",
            "ds_nodash": "{{ ds_nodash }}",
            "tomorrow": "{{ macros.ds_add(ds, 1) }}",
            "tomorrow_ds": "{{ tomorrow_ds }}",
            "yesterday_ds": "{{ yesterday_ds }}",
            "execution_date": "{{ execution_date.isoformat() }}",
            "shout": "{{ shout(params.name) }}",
            "var": "{{ var.value.get('missing_variable', 'fallback') }}",
            "key": "{{ task_instance_key_str }}",
            "task": "{{ task.task_id }}",
            "dag": "{{ dag.dag_id }}",
        },
    )
    BashOperator(
        task_id="echo",
        bash_command=(
            'test "{{ params.name }}" = world && test "{{ dag_run.conf.get("n") }}" = 7 && '
            'test "{{ ti.task_id }}" = echo && echo "{{ run_id }} {{ ts_nodash }}"'
        ),
    )
