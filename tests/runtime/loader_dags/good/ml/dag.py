from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("same_name_ml", schedule=None):
    EmptyOperator(task_id="train")
