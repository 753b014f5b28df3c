"""The initial schema, and the default pool with 128 slots.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 11:09:53.817644
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Types spelled out here (not imported from the rows) so this revision never changes.
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_name", sa.String(length=1500), nullable=False),
        sa.Column("asset_uri", sa.String(length=1500), nullable=False),
        sa.Column("asset_group", sa.String(length=1500), nullable=False),
        sa.Column("extra", JSON, nullable=False),
        sa.Column("source_dag_id", sa.String(length=250), nullable=True),
        sa.Column("source_run_id", sa.String(length=250), nullable=True),
        sa.Column("source_task_id", sa.String(length=250), nullable=True),
        sa.Column("source_map_index", sa.Integer(), nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_event")),
    )
    op.create_index(
        "ix_asset_event_asset_uri_timestamp",
        "asset_event",
        ["asset_uri", "timestamp"],
        unique=False,
    )

    op.create_table(
        "connection",
        sa.Column("conn_id", sa.String(length=250), nullable=False),
        sa.Column("conn_type", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=500), nullable=True),
        sa.Column("schema", sa.String(length=500), nullable=True),
        sa.Column("login", sa.Text(), nullable=True),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.Column("is_encrypted", sa.Boolean(), nullable=False),
        sa.Column("is_extra_encrypted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("conn_id", name=op.f("pk_connection")),
    )
    op.create_table(
        "dag",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("fileloc", sa.String(length=2000), nullable=False),
        sa.Column("last_parsed_time", TIMESTAMP, nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("dag_display_name", sa.String(length=2000), nullable=True),
        sa.Column("schedule_summary", sa.String(length=1000), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("owners", sa.String(length=2000), nullable=False),
        sa.Column("max_active_runs", sa.Integer(), nullable=False),
        sa.Column("max_active_tasks", sa.Integer(), nullable=False),
        sa.Column("max_consecutive_failed_dag_runs", sa.Integer(), nullable=False),
        sa.Column("next_dagrun", TIMESTAMP, nullable=True),
        sa.Column("next_dagrun_data_interval_start", TIMESTAMP, nullable=True),
        sa.Column("next_dagrun_data_interval_end", TIMESTAMP, nullable=True),
        sa.Column("next_dagrun_create_after", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("dag_id", name=op.f("pk_dag")),
    )
    op.create_index(op.f("ix_dag_fileloc"), "dag", ["fileloc"], unique=False)
    op.create_index(
        "ix_dag_next_dagrun_create_after",
        "dag",
        ["is_paused", "is_active", "next_dagrun_create_after"],
        unique=False,
    )

    op.create_table(
        "import_error",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("filename", sa.String(length=2000), nullable=False),
        sa.Column("lineno", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("traceback", sa.Text(), nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_error")),
    )
    op.create_index(op.f("ix_import_error_filename"), "import_error", ["filename"], unique=False)

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("hostname", sa.String(length=1000), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("latest_heartbeat", TIMESTAMP, nullable=False),
        sa.Column("ended_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(
        "ix_job_kind_latest_heartbeat", "job", ["kind", "latest_heartbeat"], unique=False
    )

    op.create_table(
        "pool",
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("include_deferred", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pool")),
    )
    op.create_table(
        "variable",
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("val", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_encrypted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_variable")),
    )
    op.create_table(
        "dag_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("version_hash", sa.String(length=64), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("source_code", sa.Text(), nullable=False),
        sa.Column("fileloc", sa.String(length=2000), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id"], ["dag.dag_id"], name=op.f("fk_dag_version_dag_id_dag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dag_version")),
        sa.UniqueConstraint(
            "dag_id", "version_number", name=op.f("uq_dag_version_dag_id_version_number")
        ),
    )
    op.create_index(
        "ix_dag_version_dag_id_version_hash",
        "dag_version",
        ["dag_id", "version_hash"],
        unique=False,
    )

    op.create_table(
        "dag_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("run_type", sa.String(length=50), nullable=False),
        sa.Column("logical_date", TIMESTAMP, nullable=True),
        sa.Column("data_interval_start", TIMESTAMP, nullable=True),
        sa.Column("data_interval_end", TIMESTAMP, nullable=True),
        sa.Column("run_after", TIMESTAMP, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("conf", JSON, nullable=False),
        sa.Column("dag_version_id", sa.Integer(), nullable=True),
        sa.Column("dag_version_hash", sa.String(length=64), nullable=True),
        sa.Column("queued_at", TIMESTAMP, nullable=True),
        sa.Column("start_date", TIMESTAMP, nullable=True),
        sa.Column("end_date", TIMESTAMP, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("last_scheduling_decision", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_version_id"],
            ["dag_version.id"],
            name=op.f("fk_dag_run_dag_version_id_dag_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dag_run")),
        sa.UniqueConstraint("dag_id", "logical_date", name=op.f("uq_dag_run_dag_id_logical_date")),
        sa.UniqueConstraint("dag_id", "run_id", name=op.f("uq_dag_run_dag_id_run_id")),
    )
    op.create_index("ix_dag_run_dag_id_state", "dag_run", ["dag_id", "state"], unique=False)
    op.create_index(op.f("ix_dag_run_dag_version_id"), "dag_run", ["dag_version_id"], unique=False)
    op.create_index(
        "ix_dag_run_state_last_scheduling_decision",
        "dag_run",
        ["state", "last_scheduling_decision"],
        unique=False,
    )

    op.create_table(
        "log_location",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_log_location_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "dag_id", "run_id", "task_id", "map_index", "try_number", name=op.f("pk_log_location")
        ),
    )
    op.create_table(
        "task_instance",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("max_tries", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("pool", sa.String(length=250), nullable=False),
        sa.Column("pool_slots", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=250), nullable=False),
        sa.Column("operator", sa.String(length=1000), nullable=False),
        sa.Column("queued_at", TIMESTAMP, nullable=True),
        sa.Column("start_date", TIMESTAMP, nullable=True),
        sa.Column("end_date", TIMESTAMP, nullable=True),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("reschedule_start_date", TIMESTAMP, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("hostname", sa.String(length=1000), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("xcom_lengths", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("last_heartbeat_at", TIMESTAMP, nullable=True),
        sa.Column("queued_by_job_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_task_instance_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queued_by_job_id"],
            ["job.id"],
            name=op.f("fk_task_instance_queued_by_job_id_job"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint(
            "dag_id", "run_id", "task_id", "map_index", name=op.f("pk_task_instance")
        ),
    )
    op.create_index(
        "ix_task_instance_dag_id_state", "task_instance", ["dag_id", "state"], unique=False
    )
    op.create_index(
        op.f("ix_task_instance_queued_by_job_id"),
        "task_instance",
        ["queued_by_job_id"],
        unique=False,
    )
    op.create_index("ix_task_instance_state_pool", "task_instance", ["state", "pool"], unique=False)

    op.create_table(
        "task_try",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("start_date", TIMESTAMP, nullable=True),
        sa.Column("end_date", TIMESTAMP, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("hostname", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_task_try_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "dag_id", "run_id", "task_id", "map_index", "try_number", name=op.f("pk_task_try")
        ),
    )
    op.create_table(
        "xcom",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_xcom_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "dag_id", "run_id", "task_id", "map_index", "key", name=op.f("pk_xcom")
        ),
    )
    pool = sa.table(
        "pool",
        sa.column("name", sa.String),
        sa.column("slots", sa.Integer),
        sa.column("description", sa.Text),
        sa.column("include_deferred", sa.Boolean),
    )
    op.bulk_insert(
        pool,
        [
            {
                "name": "default_pool",
                "slots": 128,
                "description": "The pool of tasks that name none.",
                "include_deferred": False,
            }
        ],
    )


def downgrade() -> None:
    for table in (
        "xcom",
        "task_try",
        "task_instance",
        "log_location",
        "dag_run",
        "dag_version",
        "variable",
        "pool",
        "job",
        "import_error",
        "dag",
        "connection",
        "asset_event",
    ):
        op.drop_table(table)
