from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("has_cycle"):
    a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b")
    c = EmptyOperator(task_id="c")
    a >> b >> c >> a

with DAG("no_cycle"):
    EmptyOperator(task_id="fine")
