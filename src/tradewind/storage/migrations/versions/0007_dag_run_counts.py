"""Each DAG's number of runs, kept by triggers on ``dag_run`` (the runs list's total).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 21:00:00.000000

PostgreSQL counts per statement, from its transition tables, so a statement that inserts or
deletes thousands of runs updates each DAG's count once (a row updated once per deleted run
in one transaction would grow a chain of versions that every later update walks). SQLite
has only row triggers, and updates in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Counts are upserted in dag_id order, so statements that touch several DAGs lock their
# count rows in one order and cannot deadlock each other.
POSTGRES_UP = (
    """
    CREATE OR REPLACE FUNCTION dag_run_count_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO dag_run_count (dag_id, runs)
        SELECT dag_id, count(*) FROM added_runs GROUP BY dag_id ORDER BY dag_id
        ON CONFLICT (dag_id) DO UPDATE SET runs = dag_run_count.runs + EXCLUDED.runs;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION dag_run_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE dag_run_count SET runs = dag_run_count.runs - removed.runs
        FROM (SELECT dag_id, count(*) AS runs FROM removed_runs GROUP BY dag_id) AS removed
        WHERE dag_run_count.dag_id = removed.dag_id;
        DELETE FROM dag_run_count WHERE runs <= 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER dag_run_count_on_insert AFTER INSERT ON dag_run
    REFERENCING NEW TABLE AS added_runs
    FOR EACH STATEMENT EXECUTE FUNCTION dag_run_count_added()
    """,
    """
    CREATE TRIGGER dag_run_count_on_delete AFTER DELETE ON dag_run
    REFERENCING OLD TABLE AS removed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION dag_run_count_removed()
    """,
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS dag_run_count_on_insert ON dag_run",
    "DROP TRIGGER IF EXISTS dag_run_count_on_delete ON dag_run",
    "DROP FUNCTION IF EXISTS dag_run_count_added()",
    "DROP FUNCTION IF EXISTS dag_run_count_removed()",
)
SQLITE_UP = (
    """
    CREATE TRIGGER dag_run_count_on_insert AFTER INSERT ON dag_run
    BEGIN
        INSERT INTO dag_run_count (dag_id, runs) VALUES (NEW.dag_id, 1)
        ON CONFLICT (dag_id) DO UPDATE SET runs = runs + 1;
    END
    """,
    """
    CREATE TRIGGER dag_run_count_on_delete AFTER DELETE ON dag_run
    BEGIN
        UPDATE dag_run_count SET runs = runs - 1 WHERE dag_id = OLD.dag_id;
        DELETE FROM dag_run_count WHERE dag_id = OLD.dag_id AND runs <= 0;
    END
    """,
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS dag_run_count_on_insert",
    "DROP TRIGGER IF EXISTS dag_run_count_on_delete",
)


def upgrade() -> None:
    op.create_table(
        "dag_run_count",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dag_id", name=op.f("pk_dag_run_count")),
    )
    op.execute(
        "INSERT INTO dag_run_count (dag_id, runs) SELECT dag_id, count(*) FROM dag_run "
        "GROUP BY dag_id"
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("dag_run_count")
