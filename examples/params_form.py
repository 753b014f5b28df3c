"""Params that make a good trigger form: typed, bounded, described, with working defaults.

Each ``Param`` carries a default and a JSON Schema. A run's conf overrides them by name and is
validated before any task runs (a bad value is a clear error naming the param and the rule);
the UI builds its trigger form from the same schema. Shows every common kind of field:

* a string chosen from an ``enum``, with ``values_display`` labels;
* integers with ``minimum`` / ``maximum`` and ``multipleOf``;
* a boolean (a checkbox);
* a date (``format: "date"``), and an optional string (``type: ["null", "string"]``);
* a string with a ``pattern``, and one with ``minLength`` / ``maxLength``;
* an array of strings (``items``, ``uniqueItems``) and an object with ``properties``;

and their use: ``{{ params.x }}`` in a templated bash command, and ``params`` in TaskFlow code.

Run it with the defaults, or override a few::

    tradewind dags test examples/params_form.py params_form
    tradewind dags test examples/params_form.py params_form \\
        --conf '{"environment": "production", "batch_size": 500, "dry_run": false}'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tradewind import DAG, Param, task
from tradewind.operators.bash import BashOperator

with DAG(
    dag_id="params_form",
    description="A backfill-style job whose inputs come from a validated trigger form.",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "params"],
    params={
        "environment": Param(
            "staging",
            type="string",
            enum=["development", "staging", "production"],
            values_display={
                "development": "Development (local data)",
                "staging": "Staging",
                "production": "Production (careful!)",
            },
            title="Environment",
            description="Where the job writes its output.",
        ),
        "batch_size": Param(
            100,
            type="integer",
            minimum=1,
            maximum=10_000,
            title="Batch size",
            description="Rows processed per batch (1 to 10,000).",
        ),
        # An integer percentage, not a float rate: JSON Schema's multipleOf on floats rejects
        # values like 0.15 (0.15 / 0.05 is not exactly 3 in binary floating point).
        "sample_percent": Param(
            50,
            type="integer",
            minimum=5,
            maximum=100,
            multipleOf=5,
            title="Sample",
            description="Percentage of rows to process, in steps of 5.",
        ),
        "dry_run": Param(
            True,
            type="boolean",
            title="Dry run",
            description="Report what would change without writing anything.",
        ),
        "start_day": Param(
            "2024-01-01",
            type="string",
            format="date",
            title="First day",
            description="First day of data to process (YYYY-MM-DD).",
        ),
        "end_day": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Last day",
            description="Last day to process; leave empty for just the first day.",
        ),
        "ticket": Param(
            "OPS-1",
            type="string",
            pattern=r"^[A-Z]+-\d+$",
            title="Ticket",
            description="The change ticket this run belongs to, like OPS-123.",
        ),
        "note": Param(
            "Routine run",
            type="string",
            minLength=3,
            maxLength=200,
            title="Note",
            description="Why this run was started (3 to 200 characters).",
        ),
        "tables": Param(
            ["orders", "customers"],
            type="array",
            items={"type": "string", "enum": ["orders", "customers", "products", "payments"]},
            minItems=1,
            uniqueItems=True,
            title="Tables",
            description="Which tables to process.",
        ),
        "notify": Param(
            {"channel": "#data-jobs", "on_success": False},
            type="object",
            properties={
                "channel": {"type": "string", "pattern": "^#"},
                "on_success": {"type": "boolean"},
            },
            required=["channel"],
            additionalProperties=False,
            title="Notifications",
            description="Where to report, and whether to report successes too.",
        ),
    },
) as dag:
    announce = BashOperator(
        task_id="announce",
        bash_command=(
            'echo \'Processing {{ params.tables | join(", ") }} in {{ params.environment }}'
            " from {{ params.start_day }} to {{ params.end_day or params.start_day }}"
            " ({{ params.ticket }}{% if params.dry_run %}, dry run{% endif %})'"
        ),
    )

    @task
    def plan(params: dict[str, Any]) -> list[dict[str, Any]]:
        """One batch per table, sized by the params."""
        from datetime import date

        first = date.fromisoformat(params["start_day"])
        last = date.fromisoformat(params["end_day"] or params["start_day"])
        if last < first:
            raise ValueError(f"end_day {last} is before start_day {first}")
        days = (last - first).days + 1
        batches = [
            {
                "table": table,
                "days": days,
                "rows": params["batch_size"] * params["sample_percent"] // 100,
            }
            for table in params["tables"]
        ]
        print(f"Planned {len(batches)} batches over {days} day(s): {batches}")
        return batches

    @task
    def run_batches(batches: list[dict[str, Any]], params: dict[str, Any]) -> int:
        verb = "Would process" if params["dry_run"] else "Processing"
        total = 0
        for batch in batches:
            print(f"{verb} {batch['rows']} rows/day of {batch['table']} for {batch['days']} day(s)")
            total += batch["rows"] * batch["days"]
        return total

    @task
    def notify(total: int, params: dict[str, Any]) -> None:
        settings = params["notify"]
        if params["dry_run"] or settings.get("on_success"):
            print(f"To {settings['channel']}: {total} rows ({params['note']})")
        else:
            print("Nothing to report")

    announce >> notify(run_batches(plan()))


if __name__ == "__main__":
    dag.test()
