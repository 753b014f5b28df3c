"""Dynamic task mapping: expand, partial, expand_kwargs, classic operators, empty input.

Expected in Airflow: one instance per item, all succeed; the reducing task gets the results in
map-index order; a task mapped over an empty list is skipped.
"""

import pendulum
from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def v2_dynamic_mapping():
    @task
    def numbers():
        return [1, 2, 3]

    @task
    def add(x, y):
        return x + y

    @task
    def total(values):
        assert list(values) == [2, 3, 4], values
        return sum(values)

    total(add.partial(y=1).expand(x=numbers()))

    BashOperator.partial(task_id="echo").expand(bash_command=["echo one", "echo two"])

    @task
    def pairs():
        return [{"a": 1, "b": 2}, {"a": 3, "b": 4}]

    @task
    def multiply(a, b):
        return a * b

    multiply.expand_kwargs(pairs())

    @task
    def nothing():
        return []

    @task
    def never(x):
        raise AssertionError("mapped over an empty list, so never runs")

    never.expand(x=nothing())


v2_dynamic_mapping()
