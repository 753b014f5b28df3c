"""Airflow 3: mapped task groups, XComArg.map and zip.

Expected in Airflow: one instance of each grouped task per item; all succeed.
"""

import pendulum
from airflow.sdk import dag, task, task_group


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def v3_mapped_groups():
    @task
    def files():
        return ["a.csv", "b.csv"]

    @task_group
    def process(name):
        @task
        def size(name):
            return len(name)

        @task
        def label(name, size):
            return f"{name}:{size}"

        return label(name, size(name))

    @task
    def collect(labels):
        assert sorted(labels) == ["a.csv:5", "b.csv:5"], labels
        return len(labels)

    collect(process.expand(name=files()))

    @task
    def numbers():
        return [1, 2, 3]

    @task
    def letters():
        return ["x", "y", "z"]

    @task
    def show(pair):
        number, letter = pair
        return f"{letter}{number}"

    show.expand(pair=numbers().zip(letters()))

    @task
    def squared(value):
        return value

    squared.expand(value=numbers().map(lambda n: n * n))


v3_mapped_groups()
