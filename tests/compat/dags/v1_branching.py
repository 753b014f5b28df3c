"""Airflow 1.10 style branching.

Expected in Airflow: the branch follows path_a, so path_b is skipped and b_next (all_success)
is skipped with it; join (one_success) runs because a_next succeeded.
"""

from datetime import datetime

from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import BranchPythonOperator

with DAG(
    dag_id="v1_branching",
    schedule_interval="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
) as dag:
    start = DummyOperator(task_id="start")
    branch = BranchPythonOperator(
        task_id="branch",
        python_callable=lambda **ctx: "path_a" if ctx["ds"] else "path_b",
        provide_context=True,
    )
    path_a = DummyOperator(task_id="path_a")
    path_b = DummyOperator(task_id="path_b")
    a_next = DummyOperator(task_id="a_next")
    b_next = DummyOperator(task_id="b_next")
    join = DummyOperator(task_id="join", trigger_rule="one_success")

    start >> branch >> [path_a, path_b]
    path_a >> a_next
    path_b >> b_next
    [a_next, b_next] >> join
