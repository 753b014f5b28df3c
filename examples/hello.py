"""Hello, Tradewind: the smallest useful pipeline.

Shows:

* a classic ``with DAG(...)`` file with operators, exactly as an Airflow user writes it;
* ``BashOperator`` with a Jinja-templated command: ``{{ ds }}`` (the run's logical date) and
  ``{{ params.name }}`` (a DAG param a trigger may override with ``--conf``);
* ``EmptyOperator`` as start and end markers, wired with ``>>``.

Run it::

    tradewind dags test examples/hello.py hello
    tradewind dags test examples/hello.py hello --conf '{"name": "Ada"}'
"""

from datetime import datetime

from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG(
    dag_id="hello",
    description="Say hello from bash, with a templated date and name.",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    params={"name": "world"},
    tags=["example"],
) as dag:
    start = EmptyOperator(task_id="start")
    say_hello = BashOperator(
        task_id="say_hello",
        bash_command='echo "Hello, {{ params.name }}! Today is {{ ds }}."',
    )
    show_env = BashOperator(
        task_id="show_context",
        # The run's identity also reaches the command as environment variables.
        bash_command='echo "dag=$AIRFLOW_CTX_DAG_ID run=$AIRFLOW_CTX_DAG_RUN_ID"',
    )
    end = EmptyOperator(task_id="end")

    start >> say_hello >> show_env >> end


if __name__ == "__main__":
    dag.test()
