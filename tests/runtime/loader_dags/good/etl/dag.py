from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("same_name_etl", schedule="@hourly"):
    EmptyOperator(task_id="extract")
