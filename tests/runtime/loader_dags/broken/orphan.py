from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("has_orphan_neighbour"):
    EmptyOperator(task_id="inside")

EmptyOperator(task_id="lost")
