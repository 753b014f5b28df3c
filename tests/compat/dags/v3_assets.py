"""Airflow 3 assets: producers, and a consumer scheduled on a condition over assets.

Expected in Airflow: every task of each DAG succeeds when it is run by hand.
"""

import pendulum
from airflow.sdk import DAG, Asset, task

raw = Asset("s3://lake/raw")
clean = Asset(name="clean", uri="s3://lake/clean")
manual = Asset("s3://lake/manual-upload")

with DAG("v3_asset_producer", schedule="@hourly", start_date=pendulum.datetime(2024, 1, 1)):

    @task(outlets=[raw])
    def land():
        return "landed"

    @task(outlets=[clean])
    def refine(value):
        return value.upper()

    refine(land())

with DAG(
    "v3_asset_consumer",
    schedule=(raw & clean) | manual,
    start_date=pendulum.datetime(2024, 1, 1),
):

    @task
    def consume(dag_run=None, triggering_asset_events=None):
        assert dag_run.run_type == "manual"
        return sorted(triggering_asset_events or {})

    consume()
