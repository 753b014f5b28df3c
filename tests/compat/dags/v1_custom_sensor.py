"""A custom sensor on Airflow 1.10's base class, in poke mode.

Expected in Airflow: the sensor succeeds on its third poke; its XCom-free downstream runs.
"""

from datetime import datetime

from airflow import DAG
from airflow.operators.python_operator import PythonOperator
from airflow.sensors.base_sensor_operator import BaseSensorOperator


class CountdownSensor(BaseSensorOperator):
    template_fields = ("target",)

    def __init__(self, target, pokes_needed=3, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.pokes_needed = pokes_needed
        self.pokes = 0

    def poke(self, context):
        self.pokes += 1
        self.log.info("Poke %s of %s for %s", self.pokes, self.pokes_needed, self.target)
        return self.pokes >= self.pokes_needed


dag = DAG("v1_custom_sensor", schedule_interval="@hourly", start_date=datetime(2024, 1, 1))

wait = CountdownSensor(
    task_id="wait", target="{{ ds }}", poke_interval=0.01, timeout=10, mode="poke", dag=dag
)
after = PythonOperator(task_id="after", python_callable=lambda: "done", dag=dag)
wait >> after
