"""The tables of the metadata database, one row class each (``…Row``): data, no behaviour.

Importing this package registers every table on :data:`Base.metadata`.
"""

from tradewind.storage.rows.assets import (
    AssetAliasAssetRow,
    AssetAliasReferenceRow,
    AssetAliasRow,
    AssetQueueClearRow,
    AssetReferenceRow,
    AssetRow,
    AssetUse,
)
from tradewind.storage.rows.backfills import BackfillDagRunRow, BackfillRow
from tradewind.storage.rows.base import Base
from tradewind.storage.rows.dag_runs import DagRunCountRow, DagRunRow
from tradewind.storage.rows.dags import DagRow, DagVersionRow
from tradewind.storage.rows.events import (
    AssetAliasEventRow,
    AssetEventRow,
    DagRunAssetEventRow,
    ImportErrorRow,
    JobRow,
)
from tradewind.storage.rows.resources import DEFAULT_POOL, ConnectionRow, PoolRow, VariableRow
from tradewind.storage.rows.task_instances import LogLocationRow, TaskInstanceRow, TaskTryRow
from tradewind.storage.rows.users import UserRow
from tradewind.storage.rows.xcom import XComRow

__all__ = [
    "DEFAULT_POOL",
    "AssetAliasAssetRow",
    "AssetAliasEventRow",
    "AssetAliasReferenceRow",
    "AssetAliasRow",
    "AssetEventRow",
    "AssetQueueClearRow",
    "AssetReferenceRow",
    "AssetRow",
    "AssetUse",
    "BackfillDagRunRow",
    "BackfillRow",
    "Base",
    "ConnectionRow",
    "DagRow",
    "DagRunAssetEventRow",
    "DagRunCountRow",
    "DagRunRow",
    "DagVersionRow",
    "ImportErrorRow",
    "JobRow",
    "LogLocationRow",
    "PoolRow",
    "TaskInstanceRow",
    "TaskTryRow",
    "UserRow",
    "VariableRow",
    "XComRow",
]
