"""Tradewind's benchmark harness: Tradewind and Apache Airflow side by side, same machine,
same run.

Run ``python -m bench run [SCENARIO ...] [--systems tradewind,airflow] [--repeat N]``;
``python -m bench list`` names the scenarios. The harness is built as scenarios x systems:

* a *scenario* (:mod:`bench.scenarios`) knows which DAG files to generate and what to
  measure, e.g. ``chain50``: 50 no-op tasks in a chain, by ``dags test`` and through the
  scheduler;
* a *system* (:mod:`bench.systems`) knows how to spell a DAG file's imports, its commands and
  its server, for one orchestrator: Tradewind, or Airflow from ``bench/.airflow-venv`` (made
  by ``bench/setup_airflow.sh``);
* the runner (:mod:`bench.runner`) measures each case on the systems in turn; the report
  (:mod:`bench.report`, :mod:`bench.chart`) puts them side by side with the ratios.
"""
