"""Tradewind's benchmark harness: whole-command wall times of ``dags test`` and friends.

Run ``python -m bench run [SCENARIO ...] [--repeat N]``; ``python -m bench list`` names the
scenarios. The harness is built as scenarios x systems:

* a *scenario* (:mod:`bench.scenarios`) knows which DAG files to generate and which commands
  to time, e.g. ``chain50``: ``dags test`` of a chain of 50 no-op Python tasks;
* a *system* (:mod:`bench.systems`) knows how to spell a DAG file's imports and those
  commands for one orchestrator.

Today the only system is Tradewind. Apache Airflow side-by-side runs come with their own
issue: they add an ``AirflowSystem`` (``airflow dags test`` in its own virtualenv) and the
same scenarios run against both. Until then the report quotes Airflow's figures from the
issue, marked as quoted rather than measured.
"""
