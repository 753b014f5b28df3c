"""Asset aliases (and which DAGs mention them), and the queued asset events deleted through
the API.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Types spelled out here (not imported from the rows) so this revision never changes.
TIMESTAMP = sa.DateTime(timezone=True)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_alias",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=1500), nullable=False),
        sa.Column("group", sa.String(length=1500), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_alias")),
        sa.UniqueConstraint("name", name=op.f("uq_asset_alias_name")),
    )

    op.create_table(
        "asset_alias_reference",
        sa.Column("alias_id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("use", sa.String(length=20), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["alias_id"],
            ["asset_alias.id"],
            name=op.f("fk_asset_alias_reference_alias_id_asset_alias"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dag_id"],
            ["dag.dag_id"],
            name=op.f("fk_asset_alias_reference_dag_id_dag"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "alias_id", "dag_id", "use", "task_id", name=op.f("pk_asset_alias_reference")
        ),
    )
    op.create_index(
        op.f("ix_asset_alias_reference_dag_id"), "asset_alias_reference", ["dag_id"], unique=False
    )

    op.create_table(
        "asset_queue_clear",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("cleared_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["asset.id"],
            name=op.f("fk_asset_queue_clear_asset_id_asset"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dag_id"],
            ["dag.dag_id"],
            name=op.f("fk_asset_queue_clear_dag_id_dag"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dag_id", "asset_id", name=op.f("pk_asset_queue_clear")),
    )
    op.create_index(
        op.f("ix_asset_queue_clear_asset_id"), "asset_queue_clear", ["asset_id"], unique=False
    )


def downgrade() -> None:
    for table in ("asset_queue_clear", "asset_alias_reference", "asset_alias"):
        op.drop_table(table)
