"""Tradewind: fast, ML-native workflow orchestration that runs Airflow DAG files unchanged.

The public authoring API::

    from tradewind import DAG, dag, task, task_group, TaskGroup, Param, Asset, chain
"""

from tradewind.__about__ import __version__
from tradewind.sdk import (
    DAG,
    Asset,
    AssetAlias,
    AssetAll,
    AssetAny,
    BaseOperator,
    Label,
    Metadata,
    TaskGroup,
    XComArg,
    chain,
    cross_downstream,
    dag,
    setup,
    task,
    task_group,
    teardown,
)
from tradewind.sdk.context import get_current_context
from tradewind.sdk.params import Param

__all__ = [
    "DAG",
    "Asset",
    "AssetAlias",
    "AssetAll",
    "AssetAny",
    "BaseOperator",
    "Label",
    "Metadata",
    "Param",
    "TaskGroup",
    "XComArg",
    "__version__",
    "chain",
    "cross_downstream",
    "dag",
    "get_current_context",
    "setup",
    "task",
    "task_group",
    "teardown",
]
