"""Three ways a file defines DAGs: assigned, entered with `with` only, and a @dag call."""

from tradewind import DAG, dag, task
from tradewind.operators.empty import EmptyOperator

assigned = DAG("kinds_assigned", schedule="@daily", tags=["kinds"])
EmptyOperator(task_id="only", dag=assigned)

with DAG("kinds_with_block", schedule=None):
    EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")


@dag(schedule=None)
def kinds_decorated():
    @task
    def hello():
        return "hello"

    hello()


kinds_decorated()
