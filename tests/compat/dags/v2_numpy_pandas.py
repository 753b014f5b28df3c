"""Numpy arrays and pandas objects returned by tasks reach their downstream tasks intact.

Expected in Airflow (with XCom pickling or its serializers): every task succeeds.
"""

import numpy as np
import pandas as pd
import pendulum
from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def v2_numpy_pandas():
    @task
    def make_array():
        return np.arange(6, dtype=np.float64).reshape(2, 3)

    @task
    def make_frame():
        return pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3.5, 19.0]})

    @task
    def make_stats():
        return {"mean": np.float64(2.5), "n": np.int64(6), "series": pd.Series([1, 2, 3])}

    @task
    def check(array, frame, stats):
        assert isinstance(array, np.ndarray) and array.shape == (2, 3), array
        assert array.sum() == 15.0
        assert isinstance(frame, pd.DataFrame) and list(frame["city"]) == ["Oslo", "Lima"]
        assert stats["mean"] == 2.5 and stats["n"] == 6
        assert list(stats["series"]) == [1, 2, 3]
        return float(frame["temp"].mean())

    check(make_array(), make_frame(), make_stats())


v2_numpy_pandas()
