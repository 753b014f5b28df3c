"""Airflow 3: the airflow.sdk authoring API, assets as outlets, params, @task.bash.

Run with logical date 2024-01-02. Expected in Airflow: every task succeeds.
"""

import pendulum
from airflow.sdk import Asset, Param, chain, dag, get_current_context, task

orders = Asset(name="orders", uri="s3://warehouse/orders")


@dag(
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={"rows": Param(3, type="integer", minimum=0)},
    tags=["v3"],
)
def v3_sdk_taskflow():
    @task(outlets=[orders])
    def extract(params=None):
        return list(range(params["rows"]))

    @task
    def transform(rows):
        return [row * 10 for row in rows]

    @task
    def check(values, logical_date=None):
        context = get_current_context()
        assert values == [0, 10, 20], values
        assert logical_date == pendulum.datetime(2024, 1, 2, tz="UTC"), logical_date
        assert context["outlets"] == [] and context["run_id"]
        return len(values)

    @task.bash
    def announce(count):
        return f"echo checked {count} rows on {{{{ ds }}}}"

    values = transform(extract())
    counted = check(values)
    chain(values, counted, announce(counted))


v3_sdk_taskflow()
