"""Datasets: a producer DAG with outlets and a consumer DAG scheduled on them.

Expected in Airflow: both DAGs' tasks succeed when each is run by hand.
"""

from datetime import datetime

from airflow import DAG, Dataset
from airflow.datasets import DatasetAll
from airflow.decorators import task
from airflow.operators.bash import BashOperator

orders = Dataset("s3://warehouse/orders.parquet")
customers = Dataset("s3://warehouse/customers.parquet", extra={"owner": "crm"})

with DAG("v2_dataset_producer", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="write_orders", bash_command="echo orders", outlets=[orders])
    BashOperator(task_id="write_customers", bash_command="echo customers", outlets=[customers])

with DAG(
    "v2_dataset_consumer",
    schedule=DatasetAll(orders, customers),
    start_date=datetime(2024, 1, 1),
    catchup=False,
):

    @task(inlets=[orders, customers])
    def consume(inlets=None, triggering_dataset_events=None):
        assert [d.uri for d in inlets] == [orders.uri, customers.uri], inlets
        assert not triggering_dataset_events  # a manual run has no triggering events
        return len(inlets)

    consume()
