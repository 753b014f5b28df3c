"""``contracts.serde.to_plain_json``: stored XCom values as plain JSON for people."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import pathlib
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradewind.contracts.serde import XComSerializationError, serialize, to_plain_json


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ({"a": [1, 2.5, None, True]}, {"a": [1, 2.5, None, True]}),
        ((1, "two"), [1, "two"]),
        ({3}, [3]),
        (frozenset({"x"}), ["x"]),
        ({1: "one", (2, 3): "pair"}, {"1": "one", "[2, 3]": "pair"}),
        ({"__tw__": "mine"}, {"__tw__": "mine"}),
        (dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), "2024-05-01T12:00:00+00:00"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (dt.time(12, 30), "12:30:00"),
        (dt.timedelta(minutes=90), "1:30:00"),
        (decimal.Decimal("1.10"), "1.10"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (pathlib.PurePosixPath("/data/x.csv"), "/data/x.csv"),
        (b"\x00ab", "b'\\x00ab'"),
        (Point(1, 2), {"x": 1, "y": 2}),
        (np.arange(4).reshape(2, 2), [[0, 1], [2, 3]]),
        (np.float64(0.5), 0.5),
    ],
)
def test_values_read_as_plain_json(value: Any, plain: Any) -> None:
    assert to_plain_json(serialize(value)) == plain


def test_a_dataframe_reads_as_pandas_table_json() -> None:
    plain = to_plain_json(serialize(pd.DataFrame({"a": [1, 2]})))

    assert plain["data"] == [{"index": 0, "a": 1}, {"index": 1, "a": 2}]
    assert [field["name"] for field in plain["schema"]["fields"]] == ["index", "a"]


@pytest.mark.parametrize("text", ["{", '{"__tw__": "alien"}', '{"__tw__": "tuple"}'])
def test_text_serde_did_not_write_is_refused(text: str) -> None:
    with pytest.raises(XComSerializationError, match="XCom"):
        to_plain_json(text)
