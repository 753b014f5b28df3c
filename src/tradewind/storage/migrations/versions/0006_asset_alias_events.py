"""Asset aliases that drive scheduling: the assets an alias resolved to, the aliases an event
was added through, and the events an asset-triggered run consumed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

# Types spelled out here (not imported from the rows) so this revision never changes.
TIMESTAMP = sa.DateTime(timezone=True)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _link_table(
    name: str, left: tuple[str, str], right: tuple[str, str], *extra: sa.Column[Any]
) -> None:
    """A table of (left id, right id) pairs, each a foreign key deleted with its row, the
    right one indexed; ``left``/``right`` are (column, referred table)."""
    (left_column, left_table), (right_column, right_table) = left, right
    op.create_table(
        name,
        sa.Column(left_column, sa.Integer(), nullable=False),
        sa.Column(right_column, sa.Integer(), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(
            [left_column],
            [f"{left_table}.id"],
            name=op.f(f"fk_{name}_{left_column}_{left_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [right_column],
            [f"{right_table}.id"],
            name=op.f(f"fk_{name}_{right_column}_{right_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(left_column, right_column, name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_{right_column}"), name, [right_column], unique=False)


def upgrade() -> None:
    _link_table(
        "asset_alias_asset",
        ("alias_id", "asset_alias"),
        ("asset_id", "asset"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    _link_table("asset_alias_asset_event", ("alias_id", "asset_alias"), ("event_id", "asset_event"))
    _link_table("dag_run_asset_event", ("dag_run_id", "dag_run"), ("event_id", "asset_event"))


def downgrade() -> None:
    for table in ("dag_run_asset_event", "asset_alias_asset_event", "asset_alias_asset"):
        op.drop_table(table)
