import pytest

from tradewind import Asset, AssetAlias
from tradewind.core.asset_conditions import condition_aliases, condition_uris, is_satisfied
from tradewind.sdk.asset import asset_condition

raw, clean, model = Asset("s3://raw"), Asset("s3://clean"), Asset("s3://model")


@pytest.mark.parametrize(
    ("schedule", "updated", "expected"),
    [
        (raw, {"s3://raw"}, True),
        (raw, {"s3://clean"}, False),
        ([raw, clean], {"s3://raw"}, False),  # a list of assets waits for all of them
        ([raw, clean], {"s3://raw", "s3://clean"}, True),
        (raw | clean, {"s3://clean"}, True),
        ((raw | clean) & model, {"s3://clean"}, False),
        ((raw | clean) & model, {"s3://clean", "s3://model"}, True),
    ],
)
def test_asset_schedule_is_met_by_the_updated_assets(
    schedule: object, updated: set[str], expected: bool
) -> None:
    condition = asset_condition(schedule)
    assert condition is not None
    assert is_satisfied(condition, updated) is expected


def test_condition_names_every_asset_once_per_mention() -> None:
    condition = asset_condition((raw | clean) & model)
    assert condition is not None
    assert sorted(condition_uris(condition)) == ["s3://clean", "s3://model", "s3://raw"]


def test_an_alias_holds_when_an_asset_it_resolved_to_was_updated() -> None:
    condition = asset_condition(AssetAlias("exports"))
    assert condition is not None
    resolved = {"exports": {"s3://a", "s3://b"}}
    assert is_satisfied(condition, {"s3://b"}, resolved)
    assert not is_satisfied(condition, {"s3://c"}, resolved)
    # An alias that resolved to nothing yet never holds.
    assert not is_satisfied(condition, {"s3://a"})
    assert sorted(condition_uris(condition, resolved)) == ["s3://a", "s3://b"]


@pytest.mark.parametrize(
    ("schedule", "updated", "expected"),
    [
        (AssetAlias("exports") & raw, {"s3://a"}, False),
        (AssetAlias("exports") & raw, {"s3://a", "s3://raw"}, True),
        (AssetAlias("exports") | raw, {"s3://a"}, True),
        (AssetAlias("exports") | raw, {"s3://raw"}, True),
        ([AssetAlias("exports"), AssetAlias("empty")], {"s3://a"}, False),
    ],
)
def test_aliases_mix_with_assets(schedule: object, updated: set[str], expected: bool) -> None:
    condition = asset_condition(schedule)
    assert condition is not None
    aliases = {"exports": {"s3://a"}}
    assert is_satisfied(condition, updated, aliases) is expected
    assert sorted(condition_aliases(condition)) == sorted(
        name for name in ("exports", "empty") if name in str(condition)
    )
