"""Assets and asset aliases the DAGs mention, which DAG (and task) mentions each and how, and
the queued events deleted through the API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.column_types import StrEnumType
from tradewind.storage.rows.base import ID_LENGTH, Base

#: Asset names, URIs and groups (as long as asset events keep them).
ASSET_TEXT_LENGTH = 1500


class AssetRow(Base):
    """An asset, known from the DAGs that schedule on it or name it as an outlet or inlet.

    Its id never changes once given; an asset no active DAG mentions any more is kept,
    inactive, so its events and id survive.
    """

    __tablename__ = "asset"
    __table_args__ = (UniqueConstraint("name", "uri"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(ASSET_TEXT_LENGTH))
    uri: Mapped[str] = mapped_column(String(ASSET_TEXT_LENGTH), index=True)
    group: Mapped[str] = mapped_column(String(ASSET_TEXT_LENGTH), default="asset")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Whether an active DAG mentions it.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AssetUse(StrEnum):
    """How a DAG mentions an asset."""

    #: The DAG is scheduled on it (task_id is "").
    SCHEDULE = "schedule"
    #: A task produces it.
    OUTLET = "outlet"
    #: A task reads it.
    INLET = "inlet"

    def __str__(self) -> str:
        return self.value


class AssetReferenceRow(Base):
    """One mention of an asset by the latest version of a DAG; goes with the DAG."""

    __tablename__ = "asset_reference"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True
    )
    dag_id: Mapped[str] = mapped_column(
        String(ID_LENGTH),
        ForeignKey("dag.dag_id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    use: Mapped[AssetUse] = mapped_column(StrEnumType(AssetUse, 20), primary_key=True)
    #: The task that produces or reads the asset; "" for a schedule.
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AssetAliasRow(Base):
    """An asset alias (``AssetAlias("name")``), known from the DAGs that mention it: a name
    tasks attach asset events to while they run. Kept, with its id, when no DAG mentions it
    any more."""

    __tablename__ = "asset_alias"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(ASSET_TEXT_LENGTH), unique=True)
    group: Mapped[str] = mapped_column(String(ASSET_TEXT_LENGTH), default="asset")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AssetAliasReferenceRow(Base):
    """One mention of an asset alias by the latest version of a DAG; goes with the DAG."""

    __tablename__ = "asset_alias_reference"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("asset_alias.id", ondelete="CASCADE"), primary_key=True
    )
    dag_id: Mapped[str] = mapped_column(
        String(ID_LENGTH),
        ForeignKey("dag.dag_id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    use: Mapped[AssetUse] = mapped_column(StrEnumType(AssetUse, 20), primary_key=True)
    #: The task whose outlet or inlet the alias is; "" for a schedule.
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AssetQueueClearRow(Base):
    """The queued events of an asset for a DAG were deleted (``DELETE …/queuedEvents``): the
    asset's events up to ``cleared_at`` no longer count towards the DAG's next run."""

    __tablename__ = "asset_queue_clear"

    dag_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("dag.dag_id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    cleared_at: Mapped[datetime]


class AssetAliasAssetRow(Base):
    """An alias resolved to an asset: a task attached an event of the asset through the
    alias. From then on the asset's events count for the DAGs scheduled on the alias."""

    __tablename__ = "asset_alias_asset"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("asset_alias.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime]
