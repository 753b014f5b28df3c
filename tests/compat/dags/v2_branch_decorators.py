"""@task.branch and @task.short_circuit, with Airflow 2's TriggerRule enum.

Expected in Airflow: the branch follows "left", so "right" is skipped and the join
(none_failed_min_one_success) runs. A falsy short circuit skips everything downstream,
whatever their trigger rules (ignore_downstream_trigger_rules defaults to True); with
ignore_downstream_trigger_rules=False only the direct downstream task is skipped and an
all_done task after it runs.
"""

import pendulum
from airflow.decorators import dag, task
from airflow.operators.empty import EmptyOperator
from airflow.utils.trigger_rule import TriggerRule


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def v2_branch_decorators():
    @task.branch
    def choose(ds=None):
        return "left" if ds else "right"

    @task
    def left():
        return "L"

    @task
    def right():
        return "R"

    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    choose() >> [left(), right()] >> join

    @task.short_circuit
    def gate():
        return False

    @task
    def gated():
        return 1

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def after_gated():
        return 2

    gate() >> gated() >> after_gated()

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def soft_gate():
        return 0

    @task
    def soft_gated():
        return 3

    @task(trigger_rule="all_done")
    def soft_after():
        return 4

    soft_gate() >> soft_gated() >> soft_after()


v2_branch_decorators()
