"""Imports a helper module that sits next to it."""

from loader_fixture_helpers import add_steps

from tradewind import DAG

with DAG("uses_sibling_helper", schedule=None):
    add_steps(3)
