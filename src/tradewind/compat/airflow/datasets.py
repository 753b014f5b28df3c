"""``airflow.datasets``: Airflow 2's ``Dataset``, which is Tradewind's ``Asset``, and
``DatasetAlias``, Tradewind's ``AssetAlias``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.sdk.asset import Asset, AssetAlias, AssetAll, AssetAny

__all__ = ["Dataset", "DatasetAlias", "DatasetAll", "DatasetAny"]

DatasetAlias = AssetAlias
DatasetAll = AssetAll
DatasetAny = AssetAny


class Dataset(Asset):
    """``Dataset("s3://bucket/key", extra={...})``: an asset named by its URI."""

    def __init__(
        self, uri: str = "", extra: Mapping[str, Any] | None = None, *, name: str = ""
    ) -> None:
        super().__init__(name=name or uri, uri=uri or name, extra=dict(extra or {}))
