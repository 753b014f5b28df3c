"""Airflow 2 TaskFlow ETL with pendulum dates, multiple_outputs and get_current_context.

Expected in Airflow: every task succeeds.
"""

import json

import pendulum
from airflow.decorators import dag, task
from airflow.models import Variable
from airflow.operators.python import get_current_context

ENVIRONMENT = Variable.get("environment", default_var="dev")


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example"],
    default_args={"retries": 2},
)
def v2_taskflow_etl():
    @task()
    def extract():
        return json.loads('{"1001": 301.27, "1002": 433.21, "1003": 502.22}')

    @task(multiple_outputs=True)
    def transform(order_data_dict: dict):
        total = sum(order_data_dict.values())
        return {"total_order_value": total, "count": len(order_data_dict)}

    @task()
    def load(total_order_value: float, count: int):
        context = get_current_context()
        assert context["ti"].task_id == "load"
        assert context["dag_run"].conf == {}
        assert round(total_order_value, 2) == 1236.7
        assert count == 3
        assert ENVIRONMENT == "dev"
        return f"{total_order_value:.2f}"

    summary = transform(extract())
    load(summary["total_order_value"], summary["count"])


dag = v2_taskflow_etl()

if __name__ == "__main__":
    dag.test()
