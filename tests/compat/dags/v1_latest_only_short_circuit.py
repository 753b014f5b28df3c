"""LatestOnlyOperator and ShortCircuitOperator, Airflow 1.10 paths.

Expected in Airflow: in a manual run LatestOnlyOperator lets its downstream run; a falsy
ShortCircuitOperator skips everything downstream of it.
"""

from datetime import datetime

from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.latest_only_operator import LatestOnlyOperator
from airflow.operators.python_operator import ShortCircuitOperator

with DAG(
    "v1_latest_only_short_circuit", schedule_interval="0 6 * * *", start_date=datetime(2024, 1, 1)
) as dag:
    latest = LatestOnlyOperator(task_id="latest_only")
    report = DummyOperator(task_id="report")
    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False)
    publish = DummyOperator(task_id="publish")
    notify = DummyOperator(task_id="notify", trigger_rule="all_done")

    latest >> report
    gate >> publish >> notify
