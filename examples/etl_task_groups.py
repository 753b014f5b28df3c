"""ETL with task groups: one group per source, a load stage, and a report that always runs.

Shows:

* ``TaskGroup`` as a context manager, built in a loop: one ``orders`` / ``customers`` /
  ``products`` group each doing ``clean`` then ``transform`` (ids ``orders.clean`` …);
* ``@task_group`` for the reusable ``load`` stage (create tables, insert, check counts);
* a TaskFlow task with ``multiple_outputs`` (``extract``), read per key (``raw["orders"]``);
* ``Label`` on edges (shown by ``tradewind dags show``) and ``chain`` for the pipeline's spine;
* trigger rules at the end: ``report`` runs whatever happened (``all_done``), ``alert`` only
  when something failed (``one_failed``; skipped on a green run);
* an idempotent load: each run replaces its own ``ds`` partition in a SQLite "warehouse"
  under ``$TRADEWIND_HOME`` (or the temp folder).

Run it::

    tradewind dags test examples/etl_task_groups.py etl_task_groups
    tradewind dags show examples/etl_task_groups.py etl_task_groups
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from tradewind import DAG, Label, TaskGroup, chain, task, task_group
from tradewind.operators.empty import EmptyOperator

#: Source name → the key that identifies a row, used to drop duplicates.
SOURCES = {"orders": "order_id", "customers": "customer_id", "products": "sku"}

#: What the source systems hand over; a few rows are broken on purpose.
RAW_DATA: dict[str, list[dict[str, Any]]] = {
    "orders": [
        {"order_id": 1, "customer_id": 10, "sku": "A-1", "quantity": 2, "currency": "EUR"},
        {"order_id": 2, "customer_id": 11, "sku": "B-7", "quantity": 1, "currency": "usd"},
        {"order_id": 2, "customer_id": 11, "sku": "B-7", "quantity": 1, "currency": "usd"},
        {"order_id": 3, "customer_id": 12, "sku": "A-1", "quantity": None, "currency": "EUR"},
        {"order_id": 4, "customer_id": 10, "sku": "C-3", "quantity": 5, "currency": "GBP"},
    ],
    "customers": [
        {"customer_id": 10, "email": "Ada@Example.com ", "country": "gb"},
        {"customer_id": 11, "email": "grace@example.com", "country": "us"},
        {"customer_id": 12, "email": None, "country": "fr"},
    ],
    "products": [
        {"sku": "A-1", "name": "anchor", "price": "12.50"},
        {"sku": "B-7", "name": "buoy", "price": "40"},
        {"sku": "C-3", "name": "cleat", "price": "3.20"},
    ],
}


def warehouse_path() -> Path:
    base = os.environ.get("TRADEWIND_HOME") or Path(tempfile.gettempdir()) / "tradewind-examples"
    path = Path(base) / "warehouse" / "etl_task_groups.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@task(multiple_outputs=True)
def extract() -> dict[str, list[dict[str, Any]]]:
    """Pull every source at once; each key becomes its own XCom for the groups to read."""
    for source, rows in RAW_DATA.items():
        print(f"Extracted {len(rows)} {source} rows")
    return RAW_DATA


@task
def clean(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Drop rows with missing values and duplicate keys."""
    seen: set[Any] = set()
    kept = []
    for row in rows:
        if any(value is None for value in row.values()) or row[key] in seen:
            continue
        seen.add(row[key])
        kept.append(row)
    print(f"Kept {len(kept)} of {len(rows)} rows")
    return kept


@task
def transform(rows: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """Normalize the values of one source."""
    if source == "orders":
        return [{**row, "currency": row["currency"].upper()} for row in rows]
    if source == "customers":
        return [
            {**row, "email": row["email"].strip().lower(), "country": row["country"].upper()}
            for row in rows
        ]
    return [
        {"sku": row["sku"], "name": row["name"], "price_cents": round(float(row["price"]) * 100)}
        for row in rows
    ]


@task
def create_tables() -> str:
    import sqlite3

    path = warehouse_path()
    with sqlite3.connect(path) as db:
        for source in SOURCES:
            db.execute(f"CREATE TABLE IF NOT EXISTS {source} (ds TEXT, row_json TEXT)")
    return str(path)


@task
def insert_rows(database: str, tables: dict[str, list[dict[str, Any]]], ds: str) -> dict[str, int]:
    """Replace this run's partition of each table, in one transaction."""
    import json
    import sqlite3

    counts = {}
    with sqlite3.connect(database) as db:
        for source, rows in tables.items():
            db.execute(f"DELETE FROM {source} WHERE ds = ?", (ds,))
            db.executemany(
                f"INSERT INTO {source} VALUES (?, ?)",
                [(ds, json.dumps(row, sort_keys=True)) for row in rows],
            )
            counts[source] = len(rows)
    print(f"Loaded {counts} into {database} for {ds}")
    return counts


@task
def check_counts(database: str, expected: dict[str, int], ds: str) -> None:
    """Fail the run if what the warehouse holds is not what was loaded."""
    import sqlite3

    with sqlite3.connect(database) as db:
        for source, count in expected.items():
            (found,) = db.execute(f"SELECT COUNT(*) FROM {source} WHERE ds = ?", (ds,)).fetchone()
            if found != count:
                raise ValueError(f"{source}: loaded {count} rows but the table holds {found}")
    print("Row counts match")


@task_group(group_id="load", tooltip="Load every transformed table into the warehouse")
def load_stage(tables: dict[str, Any]) -> None:
    database = create_tables()
    counts = insert_rows(database, tables)
    check_counts(database, counts)


@task(trigger_rule="all_done")
def report(ti: Any, ds: str) -> None:
    """Runs after the load stage whether it succeeded or not."""
    counts = ti.xcom_pull(task_ids="load.insert_rows")
    print(f"ETL {ds}: {counts if counts else 'nothing loaded'}")


@task(trigger_rule="one_failed")
def alert() -> None:
    """Runs only if something upstream failed; a real pipeline would page someone."""
    print("The ETL failed: see the failed task's log")


with DAG(
    dag_id="etl_task_groups",
    description="Extract three sources, clean and transform each in its group, load, report.",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "etl"],
) as dag:
    start = EmptyOperator(task_id="start")
    raw = extract()

    groups = []
    tables = {}
    for source, key in SOURCES.items():
        with TaskGroup(group_id=source, tooltip=f"Clean and transform {source}") as group:
            tables[source] = transform(clean(raw[source], key=key), source=source)
        raw >> Label(f"raw {source}") >> group
        groups.append(group)

    load = load_stage(tables)
    end = [report(), alert()]

    chain(start, Label("nightly batch"), raw, groups, load, end)


if __name__ == "__main__":
    dag.test()
