from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("after_crashes"):
    EmptyOperator(task_id="ok")
