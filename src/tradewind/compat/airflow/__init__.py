"""Airflow compatibility: the modules and adapters behind ``import airflow`` on Tradewind.

:mod:`tradewind.compat.airflow.modules` is the table of Airflow modules and the Tradewind
objects behind their names; the other modules here are the small adapters that have no
Tradewind counterpart of their own (``airflow.exceptions`` names, ``BaseHook``, the read-only
``conf`` view, ``days_ago``, ``State``, ``Dataset`` …). Nothing here is imported until a DAG
file imports the Airflow module that needs it.
"""
