"""Sensors of Airflow 2: PythonSensor, FileSensor, DateTimeSensor, TimeDeltaSensor,
@task.sensor with PokeReturnValue, and a soft_fail sensor that times out.

Expected in Airflow: the sensors whose condition holds succeed; the soft_fail sensor ends
as skipped and its all_success downstream task is skipped too.
"""

import itertools
import os
import tempfile
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonOperator
from airflow.sensors.base import PokeReturnValue
from airflow.sensors.date_time import DateTimeSensor
from airflow.sensors.filesystem import FileSensor
from airflow.sensors.python import PythonSensor
from airflow.sensors.time_delta import TimeDeltaSensor

FLAG = os.path.join(tempfile.gettempdir(), f"tradewind-compat-sensor-{os.getpid()}.flag")
_pokes = itertools.count(1)


def write_flag():
    with open(FLAG, "w") as handle:
        handle.write("ready")


with DAG("v2_sensors", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    make_flag = PythonOperator(task_id="make_flag", python_callable=write_flag)
    wait_file = FileSensor(task_id="wait_file", filepath=FLAG, poke_interval=0.01, timeout=5)
    wait_python = PythonSensor(
        task_id="wait_python", python_callable=lambda: next(_pokes) >= 3, poke_interval=0.01
    )
    wait_time = DateTimeSensor(
        task_id="wait_time", target_time="{{ macros.datetime(2000, 1, 1).isoformat() }}"
    )
    wait_delta = TimeDeltaSensor(task_id="wait_delta", delta=timedelta(0), poke_interval=0.01)
    never = PythonSensor(
        task_id="never",
        python_callable=lambda: False,
        poke_interval=0.05,
        timeout=0.3,
        soft_fail=True,
    )
    after_never = PythonOperator(task_id="after_never", python_callable=lambda: None)

    @task.sensor(poke_interval=0.01, timeout=5, mode="poke")
    def wait_value() -> PokeReturnValue:
        return PokeReturnValue(is_done=True, xcom_value="payload")

    @task
    def use(value):
        assert value == "payload", value
        os.remove(FLAG)

    make_flag >> wait_file >> use(wait_value())
    never >> after_never
