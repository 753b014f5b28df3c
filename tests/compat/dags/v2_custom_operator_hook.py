"""A custom operator and hook: template_fields, self.log, BaseHook.get_connection, Variables.

The test environment sets AIRFLOW_CONN_MY_API and AIRFLOW_VAR_CONFIG. Expected in Airflow:
every task succeeds.
"""

from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import BaseOperator, Variable
from airflow.operators.bash import BashOperator


class ApiHook(BaseHook):
    def __init__(self, conn_id="my_api"):
        super().__init__()
        self.conn_id = conn_id

    def get_conn(self):
        connection = self.get_connection(self.conn_id)
        self.log.info("Connecting to %s", connection.host)
        return connection


class GreetOperator(BaseOperator):
    template_fields = ("name",)
    ui_color = "#e8f7e4"

    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.name = name

    def execute(self, context):
        self.log.info("Hello %s", self.name)
        conn = ApiHook().get_conn()
        assert (conn.conn_type, conn.host, conn.port) == ("http", "api.example.com", 8080)
        assert (conn.login, conn.password, conn.schema) == ("user", "secret", "v1")
        assert conn.extra_dejson == {"timeout": "5"}
        threshold = Variable.get("config", deserialize_json=True)["threshold"]
        return f"hello {self.name} {threshold}"


with DAG("v2_custom_operator_hook", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    greet = GreetOperator(task_id="greet", name="{{ dag.dag_id }}")
    echo = BashOperator(
        task_id="echo",
        bash_command=(
            'test "{{ var.json.config.threshold }}" = 3 && '
            'test "{{ conn.my_api.host }}" = api.example.com && '
            "test \"{{ ti.xcom_pull(task_ids='greet') }}\" = 'hello v2_custom_operator_hook 3'"
        ),
    )
    greet >> echo
