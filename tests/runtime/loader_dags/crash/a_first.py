from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("before_crashes"):
    EmptyOperator(task_id="ok")
