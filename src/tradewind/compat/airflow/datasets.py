"""``airflow.datasets``: Airflow 2's ``Dataset``, which is Tradewind's ``Asset``, and
``DatasetAlias``, Tradewind's ``AssetAlias``; ``airflow.datasets.metadata.Metadata``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.sdk import asset as sdk_asset
from tradewind.sdk.asset import Asset, AssetAlias, AssetAll, AssetAny

__all__ = ["Dataset", "DatasetAlias", "DatasetAll", "DatasetAny", "Metadata"]

DatasetAlias = AssetAlias
DatasetAll = AssetAll
DatasetAny = AssetAny


class Dataset(Asset):
    """``Dataset("s3://bucket/key", extra={...})``: an asset named by its URI."""

    def __init__(
        self, uri: str = "", extra: Mapping[str, Any] | None = None, *, name: str = ""
    ) -> None:
        super().__init__(name=name or uri, uri=uri or name, extra=dict(extra or {}))


class Metadata(sdk_asset.Metadata):
    """``yield Metadata(Dataset("s3://x"), {"rows": 3}, alias=DatasetAlias("a"))`` (Airflow 2
    names the first argument ``target``)."""

    __slots__ = ()

    def __init__(
        self,
        target: Asset | str,
        extra: Mapping[str, Any] | None = None,
        alias: AssetAlias | str | None = None,
    ) -> None:
        super().__init__(target, extra, alias)
