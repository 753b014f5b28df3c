"""A DAG with a task group, a mapped task, edge labels and a diamond, for `dags show`."""

from tradewind import DAG, Label, TaskGroup
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG("shapes", schedule=None):
    start = EmptyOperator(task_id="start")
    with TaskGroup("process") as process:
        clean = BashOperator.partial(task_id="clean").expand(bash_command=["echo 1", "echo 2"])
        clean >> EmptyOperator(task_id="save")
    end = EmptyOperator(task_id="end")
    skip = EmptyOperator(task_id="skip")
    start >> Label("go") >> process >> end
    start >> Label("nothing to do") >> skip >> end
