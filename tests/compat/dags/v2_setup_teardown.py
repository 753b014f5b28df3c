"""Setup and teardown tasks (Airflow 2.7+) around work that fails.

Expected in Airflow: the setup succeeds, the work fails, the teardown still runs and succeeds,
the report after the work is upstream_failed, and the run fails.
"""

import pendulum
from airflow.decorators import dag, setup, task, teardown


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), default_args={"retries": 0})
def v2_setup_teardown():
    @setup
    def create_cluster():
        return "cluster-1"

    @task
    def work(cluster):
        raise ValueError(f"query on {cluster} failed")

    @teardown
    def delete_cluster(cluster):
        return f"deleted {cluster}"

    @task
    def report():
        return "never"

    cluster = create_cluster()
    result = work(cluster)
    deleted = delete_cluster(cluster)
    result >> deleted
    result >> report()


v2_setup_teardown()
