from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime
from typing import Any

import pytest

from tradewind.errors import ParamValidationError
from tradewind.sdk.params import NOTSET, Param, ParamsDict, params_from_dump, resolve_params


def error_of(param: Param, value: Any = NOTSET, name: str = "p") -> str:
    with pytest.raises(ParamValidationError) as info:
        param.resolve(value, name=name)
    return str(info.value)


# -- Param.resolve ------------------------------------------------------------------------------


def test_resolve_returns_the_default_when_no_value_is_given() -> None:
    assert Param(5, type="integer").resolve(name="n") == 5


def test_resolve_returns_the_given_value_over_the_default() -> None:
    assert Param(5, type="integer").resolve(7, name="n") == 7


def test_plain_param_without_schema_accepts_any_json_value() -> None:
    assert Param().resolve({"a": [1, None]}, name="x") == {"a": [1, None]}


def test_minimum_violation_names_param_value_and_rule() -> None:
    message = error_of(Param(10, type="integer", minimum=1), 0, name="epochs")
    assert message == "Param 'epochs': 0 is less than the minimum of 1"


def test_maximum_violation_is_reported() -> None:
    message = error_of(Param(1, maximum=3), 4, name="n")
    assert message == "Param 'n': 4 is greater than the maximum of 3"


def test_type_violation_is_reported() -> None:
    message = error_of(Param(1, type="integer"), "abc", name="n")
    assert message == "Param 'n': 'abc' is not of type 'integer'"


def test_enum_violation_is_reported() -> None:
    message = error_of(Param("a", enum=["a", "b"]), "c", name="mode")
    assert message == "Param 'mode': 'c' is not one of ['a', 'b']"


def test_min_length_violation_is_reported() -> None:
    message = error_of(Param("abc", type="string", minLength=3), "ab", name="s")
    assert message == "Param 's': 'ab' is too short"


def test_max_length_violation_is_reported() -> None:
    message = error_of(Param("a", type="string", maxLength=2), "abc", name="s")
    assert message == "Param 's': 'abc' is too long"


def test_pattern_violation_is_reported() -> None:
    message = error_of(Param("ab", type="string", pattern="^a"), "ba", name="s")
    assert message == "Param 's': 'ba' does not match '^a'"


def test_const_violation_is_reported() -> None:
    message = error_of(Param(1, const=1), 2, name="c")
    assert message == "Param 'c': 1 was expected"


def test_date_format_is_checked() -> None:
    message = error_of(Param("2024-01-01", type="string", format="date"), "2024-13-01", name="d")
    assert message == "Param 'd': '2024-13-01' is not a 'date'"


def test_valid_date_format_passes() -> None:
    assert Param(type="string", format="date").resolve("2024-02-29", name="d") == "2024-02-29"


def test_date_time_format_is_checked() -> None:
    message = error_of(Param(type="string", format="date-time"), "2024-01-01", name="at")
    assert message == "Param 'at': '2024-01-01' is not a 'date-time'"


def test_date_time_format_requires_an_offset() -> None:
    message = error_of(Param(type="string", format="date-time"), "2024-01-01T00:00:00", name="at")
    assert message == "Param 'at': '2024-01-01T00:00:00' is not a 'date-time'"


def test_valid_date_time_formats_pass() -> None:
    param = Param(type="string", format="date-time")
    assert param.resolve("2024-01-01T10:00:00Z", name="at") == "2024-01-01T10:00:00Z"
    assert param.resolve("2024-01-01T10:00:00+02:00", name="at") == "2024-01-01T10:00:00+02:00"


def test_email_format_is_checked() -> None:
    message = error_of(Param(type="string", format="email"), "nobody", name="to")
    assert message == "Param 'to': 'nobody' is not a 'email'"


def test_nested_violation_names_the_path() -> None:
    param = Param({"lr": 0.1}, type="object", properties={"lr": {"type": "number"}})
    message = error_of(param, {"lr": "fast"}, name="cfg")
    assert message == "Param 'cfg' at cfg.lr: 'fast' is not of type 'number'"


def test_array_item_violation_names_the_index() -> None:
    param = Param([1], type="array", items={"type": "integer"})
    assert error_of(param, [1, "x"], name="ids") == (
        "Param 'ids' at ids[1]: 'x' is not of type 'integer'"
    )


def test_required_property_violation_is_reported() -> None:
    param = Param({}, type="object", required=["path"])
    assert error_of(param, {}, name="src") == "Param 'src': 'path' is a required property"


def test_param_without_default_or_value_is_required() -> None:
    message = error_of(Param(type="string"), name="name")
    assert message == (
        "Param 'name' is required: it has no default and the run's conf does not set it. "
        "Trigger the run with a value, e.g. --conf '{\"name\": <value>}'."
    )


def test_none_default_is_a_value_not_a_missing_default() -> None:
    assert Param(None).resolve(name="x") is None


def test_none_default_is_validated_against_the_type() -> None:
    assert error_of(Param(None, type="string"), name="x") == (
        "Param 'x': None is not of type 'string'"
    )


def test_non_json_value_is_rejected() -> None:
    message = error_of(Param(), datetime(2024, 1, 1), name="when")
    assert message.startswith("Param 'when': datetime.datetime(2024, 1, 1, 0, 0) is not JSON")


def test_non_json_default_is_rejected_at_construction() -> None:
    with pytest.raises(ParamValidationError, match=r"Param default: .* is not JSON-serializable"):
        Param({1, 2})


def test_invalid_schema_is_rejected_at_construction() -> None:
    with pytest.raises(ParamValidationError, match="not a valid JSON Schema"):
        Param(1, type="integr")


def test_schema_keyword_passes_a_whole_schema() -> None:
    param = Param(3, schema={"type": "integer", "minimum": 1})
    assert param.schema == {"type": "integer", "minimum": 1}


def test_description_and_ui_keywords_are_kept() -> None:
    param = Param("a", description="Mode", enum=["a"], values_display={"a": "Alpha"}, title="M")
    assert param.description == "Mode"
    assert param.schema == {"enum": ["a"], "values_display": {"a": "Alpha"}, "title": "M"}


def test_resolve_returns_a_copy_of_a_mutable_default() -> None:
    param = Param({"items": [1]})
    resolved = param.resolve(name="x")
    resolved["items"].append(2)
    assert param.resolve(name="x") == {"items": [1]}


def test_has_value_is_false_for_none_and_missing_defaults() -> None:
    assert (Param(1).has_value, Param(None).has_value, Param().has_value) == (True, False, False)


def test_notset_survives_copy_and_pickle() -> None:
    assert copy.deepcopy(NOTSET) is NOTSET
    assert pickle.loads(pickle.dumps(NOTSET)) is NOTSET


# -- ParamsDict -------------------------------------------------------------------------------


def test_params_dict_wraps_plain_values_in_params() -> None:
    params = ParamsDict({"a": 1})
    assert params.get_param("a") == Param(1)


def test_params_dict_item_is_the_validated_value() -> None:
    assert ParamsDict({"a": Param(2, type="integer")})["a"] == 2


def test_params_dict_item_of_required_param_raises() -> None:
    with pytest.raises(ParamValidationError, match="Param 'a' is required"):
        ParamsDict({"a": Param(type="integer")})["a"]


def test_assigning_plain_value_keeps_the_schema() -> None:
    params = ParamsDict({"n": Param(1, type="integer", minimum=1)})
    params["n"] = 5
    assert params.get_param("n").schema == {"type": "integer", "minimum": 1}
    assert params["n"] == 5


def test_assigning_invalid_plain_value_raises() -> None:
    params = ParamsDict({"n": Param(1, type="integer", minimum=1)})
    with pytest.raises(ParamValidationError, match="Param 'n': 0 is less than the minimum of 1"):
        params["n"] = 0


def test_assigning_a_param_replaces_the_old_one() -> None:
    params = ParamsDict({"n": Param(1, type="integer")})
    params["n"] = Param("x")
    assert params.get_param("n") == Param("x")


def test_update_from_params_dict_brings_schemas() -> None:
    params = ParamsDict({"n": 1})
    params.update(ParamsDict({"n": Param(2, minimum=2)}))
    assert params.get_param("n").schema == {"minimum": 2}


def test_validate_returns_plain_values() -> None:
    params = ParamsDict({"a": Param(1, type="integer"), "b": "x"})
    assert params.validate() == {"a": 1, "b": "x"}


def test_validate_lists_every_invalid_param() -> None:
    params = ParamsDict({"a": Param(type="integer"), "b": Param("x", type="integer")})
    with pytest.raises(ParamValidationError) as info:
        params.validate()
    assert str(info.value) == (
        "2 params are invalid:\n"
        "  - Param 'a' is required: it has no default and the run's conf does not set it. "
        "Trigger the run with a value, e.g. --conf '{\"a\": <value>}'.\n"
        "  - Param 'b': 'x' is not of type 'integer'"
    )


def test_validate_defaults_skips_params_without_default() -> None:
    ParamsDict({"a": Param(type="integer"), "b": Param(1, type="integer")}).validate_defaults()


def test_validate_defaults_rejects_a_bad_default() -> None:
    params = ParamsDict({"b": Param("x", type="integer")})
    with pytest.raises(ParamValidationError, match="Param 'b': 'x' is not of type 'integer'"):
        params.validate_defaults()


def test_deepcopy_of_params_dict_copies_defaults() -> None:
    original = ParamsDict({"a": [1]})
    clone = copy.deepcopy(original)
    clone.get_param("a").value.append(2)
    assert original["a"] == [1]


def test_dump_describes_each_param() -> None:
    params = ParamsDict({"n": Param(3, "How many", type="integer", minimum=1), "req": Param()})
    assert params.dump() == {
        "n": {
            "value": 3,
            "schema": {"type": "integer", "minimum": 1},
            "description": "How many",
            "has_default": True,
        },
        "req": {"value": None, "schema": {}, "description": None, "has_default": False},
    }


def test_dump_is_json_serializable() -> None:
    params = ParamsDict({"n": Param(3, type="integer"), "d": {"a": [1, 2]}})
    assert json.loads(json.dumps(params.dump())) == params.dump()


def test_dump_and_params_from_dump_round_trip() -> None:
    params = ParamsDict(
        {
            "n": Param(3, "How many", type="integer", minimum=1),
            "req": Param(type="string"),
            "none": Param(None, type=["null", "string"]),
        }
    )
    assert params_from_dump(json.loads(json.dumps(params.dump()))) == params


def test_params_from_dump_keeps_required_params_required() -> None:
    restored = params_from_dump(ParamsDict({"req": Param(type="string")}).dump())
    assert restored.get_param("req").value is NOTSET


# -- resolve_params ---------------------------------------------------------------------------


def test_resolve_params_merges_dag_then_task_params() -> None:
    dag_params = ParamsDict({"a": 1, "b": 2})
    task_params = ParamsDict({"b": 3})
    assert resolve_params(dag_params, task_params, conf=None) == {"a": 1, "b": 3}


def test_task_param_object_replaces_dag_schema() -> None:
    dag_params = ParamsDict({"n": Param(1, type="integer")})
    task_params = ParamsDict({"n": Param("x", type="string")})
    assert resolve_params(dag_params, task_params, conf=None) == {"n": "x"}


def test_later_plain_mapping_value_is_checked_against_earlier_schema() -> None:
    dag_params = ParamsDict({"n": Param(1, type="integer")})
    with pytest.raises(ParamValidationError, match="Param 'n': 'x' is not of type 'integer'"):
        resolve_params(dag_params, {"n": "x"}, conf=None)


def test_conf_overrides_a_param_of_the_same_name() -> None:
    params = ParamsDict({"epochs": Param(10, type="integer", minimum=1)})
    assert resolve_params(params, conf={"epochs": 3}) == {"epochs": 3}


def test_conf_value_is_validated() -> None:
    params = ParamsDict({"epochs": Param(10, type="integer", minimum=1)})
    with pytest.raises(ParamValidationError) as info:
        resolve_params(params, conf={"epochs": 0})
    assert str(info.value) == "Param 'epochs': 0 is less than the minimum of 1"


def test_conf_supplies_a_required_param() -> None:
    params = ParamsDict({"name": Param(type="string")})
    assert resolve_params(params, conf={"name": "x"}) == {"name": "x"}


def test_missing_required_param_in_conf_raises() -> None:
    params = ParamsDict({"name": Param(type="string")})
    with pytest.raises(ParamValidationError, match="Param 'name' is required"):
        resolve_params(params, conf={"other": 1})


def test_unknown_conf_keys_are_accepted_and_added_as_in_airflow() -> None:
    params = ParamsDict({"a": 1})
    assert resolve_params(params, conf={"extra": [1]}) == {"a": 1, "extra": [1]}


def test_conf_is_ignored_when_override_is_off() -> None:
    params = ParamsDict({"a": 1})
    assert resolve_params(params, conf={"a": 2, "b": 3}, allow_conf_override=False) == {"a": 1}


def test_resolve_params_accepts_plain_mappings_and_none() -> None:
    assert resolve_params({"a": Param(1)}, None, {"b": 2}, conf=None) == {"a": 1, "b": 2}


def test_resolved_values_are_copies_of_defaults() -> None:
    params = ParamsDict({"cfg": {"layers": [1]}})
    first = resolve_params(params, conf=None)
    first["cfg"]["layers"].append(2)
    assert resolve_params(params, conf=None) == {"cfg": {"layers": [1]}}


def test_resolved_values_are_copies_of_conf_values() -> None:
    conf = {"cfg": {"layers": [1]}}
    resolved = resolve_params(ParamsDict({"cfg": {}}), conf=conf)
    resolved["cfg"]["layers"].append(2)
    assert conf == {"cfg": {"layers": [1]}}


def test_resolve_params_reports_every_invalid_param() -> None:
    params = ParamsDict({"a": Param(type="integer"), "b": Param(1, type="integer")})
    with pytest.raises(ParamValidationError, match=r"^2 params are invalid:"):
        resolve_params(params, conf={"b": "x"})
