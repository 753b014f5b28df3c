"""Airflow 1.10 style: classic operators, provide_context, schedule_interval, days_ago, XCom.

Expected in Airflow: every task succeeds.
"""

from datetime import timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

default_args = {
    "owner": "data-eng",
    "depends_on_past": False,
    "email": ["alerts@example.com"],
    "email_on_failure": False,
    "email_on_retry": False,
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
}

dag = DAG(
    "v1_classic_etl",
    default_args=default_args,
    description="A 1.10-era ETL",
    schedule_interval=timedelta(days=1),
    start_date=days_ago(2),
    catchup=False,
)


def extract(**kwargs):
    ti = kwargs["ti"]
    ti.xcom_push(key="rows", value=[3, 4, 5])
    return kwargs["ds"]


def transform(ds, **kwargs):
    ti = kwargs["ti"]
    rows = ti.xcom_pull(task_ids="extract", key="rows")
    assert rows == [3, 4, 5], rows
    assert ti.xcom_pull(task_ids="extract") == ds
    # A list of task ids gives a list of values, in order.
    assert ti.xcom_pull(task_ids=["extract", "start"]) == [ds, None]
    assert kwargs["execution_date"] == kwargs["logical_date"]
    assert kwargs["yesterday_ds"] < ds < kwargs["tomorrow_ds"]
    assert kwargs["prev_ds"] == kwargs["next_ds"] == ds  # a manual run, as in Airflow 2
    return sum(rows)


start = DummyOperator(task_id="start", dag=dag)
extract_task = PythonOperator(
    task_id="extract", python_callable=extract, provide_context=True, dag=dag
)
transform_task = PythonOperator(
    task_id="transform", python_callable=transform, provide_context=True, dag=dag
)
load = BashOperator(
    task_id="load",
    bash_command=(
        'test "$AIRFLOW_CTX_DAG_ID" = v1_classic_etl && '
        'test "$AIRFLOW_CTX_TASK_ID" = load && '
        'test -n "$AIRFLOW_CTX_EXECUTION_DATE" && test -n "$AIRFLOW_CTX_DAG_RUN_ID" && '
        "test \"{{ ti.xcom_pull(task_ids='transform') }}\" = 12 && "
        'echo "loaded {{ ds }} {{ execution_date }}"'
    ),
    dag=dag,
)

start >> extract_task >> transform_task >> load

if __name__ == "__main__":
    dag.cli()
