"""An index for listing a DAG's runs in order (the API's pages of runs).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 14:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_dag_run_dag_id_id", "dag_run", ["dag_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_dag_run_dag_id_id", table_name="dag_run")
