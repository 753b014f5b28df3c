import ctypes

from tradewind import DAG

with DAG("segfaults"):
    ctypes.string_at(0)
