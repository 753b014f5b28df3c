"""Trigger rules after a failed, a skipped and a successful task (Airflow 1.10 imports).

Expected in Airflow (trigger rule reference):
all_success after a failure → upstream_failed; all_done → success; one_failed → success
(with a failure) or skipped (without one); none_failed after a failure → upstream_failed;
all_failed → success when everything upstream failed, skipped when something succeeded;
after a skip: all_success → skipped, none_failed → success, none_skipped → skipped;
always → success. The run fails.
"""

from datetime import datetime

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator


def fail():
    raise AirflowException("this task fails on purpose")


def skip():
    raise AirflowSkipException("nothing to do today")


dag = DAG(
    "v1_trigger_rules",
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
    default_args={"retries": 0},
)

failing = PythonOperator(task_id="failing", python_callable=fail, dag=dag)
skipping = PythonOperator(task_id="skipping", python_callable=skip, dag=dag)
ok = PythonOperator(task_id="ok", python_callable=lambda: "fine", dag=dag)


def after(task_id, rule, *upstream):
    task = DummyOperator(task_id=task_id, trigger_rule=rule, dag=dag)
    for item in upstream:
        item >> task
    return task


after("fail_all_success", "all_success", failing)
after("fail_all_done", "all_done", failing)
after("fail_one_failed", "one_failed", failing, ok)
after("ok_one_failed", "one_failed", ok)
after("fail_none_failed", "none_failed", failing)
after("fail_all_failed", "all_failed", failing)
after("mixed_all_failed", "all_failed", failing, ok)
after("skip_all_success", "all_success", skipping)
after("skip_none_failed", "none_failed", skipping)
after("skip_none_skipped", "none_skipped", skipping)
after("fail_always", "always", failing)
