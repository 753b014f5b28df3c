"""The authoring API: what DAG files use to describe pipelines."""

from tradewind.sdk.asset import Asset, AssetAlias, AssetAll, AssetAny, Metadata
from tradewind.sdk.baseoperator import BaseOperator
from tradewind.sdk.dag import DAG, dag
from tradewind.sdk.decorators import setup, task, teardown
from tradewind.sdk.dependencies import Label, chain, cross_downstream
from tradewind.sdk.mapping import MappedOperator
from tradewind.sdk.taskgroup import TaskGroup, task_group
from tradewind.sdk.xcom_arg import XComArg

__all__ = [
    "DAG",
    "Asset",
    "AssetAlias",
    "AssetAll",
    "AssetAny",
    "BaseOperator",
    "Label",
    "MappedOperator",
    "Metadata",
    "TaskGroup",
    "XComArg",
    "chain",
    "cross_downstream",
    "dag",
    "setup",
    "task",
    "task_group",
    "teardown",
]
