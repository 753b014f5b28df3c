"""TaskGroup (context manager and decorator), nested groups, labels and chain.

Expected in Airflow: every task succeeds; ids are prefixed with their groups.
"""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task, task_group
from airflow.models.baseoperator import chain
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.edgemodifier import Label
from airflow.utils.task_group import TaskGroup

with DAG(
    "v2_task_groups",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    default_args={"owner": "groups"},
) as dag:
    start = EmptyOperator(task_id="start")

    with TaskGroup("extract", tooltip="Pull the inputs") as extract:
        a = PythonOperator(task_id="a", python_callable=lambda: 1)
        b = BashOperator(task_id="b", bash_command="echo b")
        with TaskGroup("inner") as inner:
            EmptyOperator(task_id="c")
        [a, b] >> inner

    @task_group(group_id="transform")
    def transform(value):
        @task
        def double(v):
            return v * 2

        @task
        def inc(v):
            return v + 1

        return inc(double(value))

    @task
    def total(v):
        assert v == 3, v
        return v

    result = transform(a.output)
    end = EmptyOperator(task_id="end")
    chain(start, extract)
    extract >> Label("then") >> end
    total(result) >> end
