"""Airflow 3: classic operators and sensors from the standard provider.

Expected in Airflow: the branch follows "fast", so "slow" is skipped; the all_done cleanup
runs; the trigger task starts a run of another DAG without waiting; every other task
succeeds.
"""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
from airflow.sdk import DAG, TriggerRule

with DAG(
    dag_id="v3_standard_provider",
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    start = EmptyOperator(task_id="start")
    wait = TimeDeltaSensor(task_id="wait", delta=timedelta(0), poke_interval=0.01)
    ready = PythonSensor(task_id="ready", python_callable=lambda: True, poke_interval=0.01)
    branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "fast")
    fast = BashOperator(task_id="fast", bash_command="echo fast {{ logical_date | ds }}")
    slow = PythonOperator(task_id="slow", python_callable=lambda: "slow")
    cleanup = EmptyOperator(task_id="cleanup", trigger_rule=TriggerRule.ALL_DONE)
    trigger = TriggerDagRunOperator(
        task_id="trigger", trigger_dag_id="v3_asset_consumer", conf={"source": "provider"}
    )

    start >> [wait, ready] >> branch >> [fast, slow] >> cleanup >> trigger
