from __future__ import annotations

from collections import OrderedDict, defaultdict, namedtuple
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pytest

from tradewind.errors import TemplateRenderError
from tradewind.sdk.templating import (
    LiteralValue,
    TemplateOptions,
    literal,
    make_environment,
    render_template_fields,
    render_value,
    template_options_for,
)

MOMENT = datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)
CONTEXT: dict[str, Any] = {
    "ds": "2024-03-05",
    "logical_date": MOMENT,
    "params": {"n": 5, "name": "x", "items": [1, 2]},
}


class Op:
    """A small operator-like object."""

    template_fields: tuple[str, ...] = ("command", "env")
    template_ext: tuple[str, ...] = (".sh",)

    def __init__(self, command: Any, env: Any = None, task_id: str = "op") -> None:
        self.task_id = task_id
        self.command = command
        self.env = env


class Nested:
    template_fields = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


def env(**options: Any) -> jinja2.Environment:
    return make_environment(TemplateOptions(**options))


# -- strings --------------------------------------------------------------------------------


def test_string_is_rendered_as_template() -> None:
    assert render_value("day={{ ds }}", CONTEXT, env()) == "day=2024-03-05"


def test_trailing_newline_is_kept() -> None:
    assert render_value("echo {{ ds }}\n", CONTEXT, env()) == "echo 2024-03-05\n"


def test_autoescape_is_off() -> None:
    assert render_value("{{ '<a>' }}", CONTEXT, env()) == "<a>"


def test_do_extension_is_enabled() -> None:
    template = "{% set xs = [] %}{% do xs.append(1) %}{{ xs }}"
    assert render_value(template, CONTEXT, env()) == "[1]"


def test_non_string_scalars_are_returned_unchanged() -> None:
    marker = object()
    assert [render_value(v, CONTEXT, env()) for v in (1, 2.5, None, True, MOMENT, marker)] == [
        1,
        2.5,
        None,
        True,
        MOMENT,
        marker,
    ]


# -- filters, macros --------------------------------------------------------------------------


def test_builtin_date_filters() -> None:
    template = (
        "{{ logical_date | ds }} {{ logical_date | ds_nodash }} {{ logical_date | ts }} "
        "{{ logical_date | ts_nodash }} {{ logical_date | ts_nodash_with_tz }}"
    )
    assert render_value(template, CONTEXT, env()) == (
        "2024-03-05 20240305 2024-03-05T06:07:08+00:00 20240305T060708 20240305T060708+0000"
    )


def test_date_filters_pass_none_through() -> None:
    assert render_value("{{ none | ds }}", {"none": None}, env()) == "None"


def test_user_defined_macros_are_globals() -> None:
    options = {"user_defined_macros": {"greet": lambda who: f"hi {who}", "team": "ml"}}
    assert render_value("{{ greet(team) }}", CONTEXT, env(**options)) == "hi ml"


def test_user_defined_filters_are_registered() -> None:
    options = {"user_defined_filters": {"shout": lambda s: s.upper() + "!"}}
    assert render_value("{{ params.name | shout }}", CONTEXT, env(**options)) == "X!"


def test_environment_kwargs_are_passed_to_jinja() -> None:
    options = {"environment_kwargs": {"trim_blocks": True}}
    assert render_value("{% if true %}\na{% endif %}", CONTEXT, env(**options)) == "a"


def test_undefined_option_relaxes_strictness() -> None:
    assert render_value("[{{ nope }}]", CONTEXT, env(undefined=jinja2.Undefined)) == "[]"


# -- environments -----------------------------------------------------------------------------


def test_equal_options_share_one_environment() -> None:
    macro = {"f": len}
    assert make_environment(TemplateOptions(user_defined_macros=macro)) is make_environment(
        TemplateOptions(user_defined_macros=dict(macro))
    )


def test_different_macro_objects_get_different_environments() -> None:
    first = make_environment(TemplateOptions(user_defined_macros={"cfg": {"a": 1}}))
    second = make_environment(TemplateOptions(user_defined_macros={"cfg": {"a": 1}}))
    assert first is not second


def test_options_snapshot_their_mappings() -> None:
    macros: dict[str, Any] = {"a": 1}
    options = TemplateOptions(user_defined_macros=macros)
    macros["b"] = 2
    assert dict(options.user_defined_macros) == {"a": 1}


def test_native_environment_class() -> None:
    assert isinstance(env(native=True), jinja2.nativetypes.NativeEnvironment)


def test_strict_undefined_is_the_default() -> None:
    assert env().undefined is jinja2.StrictUndefined


def test_template_options_for_a_dag(tmp_path: Path) -> None:
    class Dag:
        fileloc = str(tmp_path / "dags" / "my_dag.py")
        template_searchpath = ["/opt/sql"]
        user_defined_macros = {"a": 1}
        user_defined_filters: dict[str, Any] = {}
        render_template_as_native_obj = True
        jinja_environment_kwargs: dict[str, Any] = {}

    options = template_options_for(Dag())
    assert options.searchpath == (str(tmp_path / "dags"), "/opt/sql")
    assert (dict(options.user_defined_macros), options.native) == ({"a": 1}, True)


def test_template_options_for_no_dag_are_defaults() -> None:
    assert template_options_for(None) == TemplateOptions()


# -- native rendering -------------------------------------------------------------------------


def test_native_rendering_returns_an_int() -> None:
    assert render_value("{{ params.n }}", CONTEXT, env(native=True)) == 5


def test_native_rendering_returns_a_list() -> None:
    assert render_value("{{ params['items'] }}", CONTEXT, env(native=True)) == [1, 2]


def test_native_rendering_of_text_stays_a_string() -> None:
    assert render_value("n={{ params.n }}", CONTEXT, env(native=True)) == "n=5"


def test_string_rendering_turns_an_int_into_text() -> None:
    assert render_value("{{ params.n }}", CONTEXT, env()) == "5"


# -- containers -------------------------------------------------------------------------------


def test_list_items_are_rendered() -> None:
    assert render_value(["{{ ds }}", 1], CONTEXT, env()) == ["2024-03-05", 1]


def test_tuple_stays_a_tuple() -> None:
    assert render_value(("{{ ds }}", "b"), CONTEXT, env()) == ("2024-03-05", "b")


def test_named_tuple_keeps_its_type() -> None:
    Pair = namedtuple("Pair", "left right")
    rendered = render_value(Pair("{{ ds }}", 2), CONTEXT, env())
    assert rendered == Pair("2024-03-05", 2)
    assert type(rendered) is Pair


def test_set_items_are_rendered() -> None:
    assert render_value({"{{ ds }}", "b"}, CONTEXT, env()) == {"2024-03-05", "b"}


def test_dict_values_are_rendered_and_keys_kept() -> None:
    rendered = render_value({"{{ ds }}": "{{ ds }}"}, CONTEXT, env())
    assert rendered == {"{{ ds }}": "2024-03-05"}


def test_nested_containers_are_rendered() -> None:
    value = {"a": [("{{ ds }}", {"b": "{{ params.n }}"})]}
    assert render_value(value, CONTEXT, env()) == {"a": [("2024-03-05", {"b": "5"})]}


def test_dict_subclass_keeps_its_type() -> None:
    rendered = render_value(OrderedDict(a="{{ ds }}"), CONTEXT, env())
    assert type(rendered) is OrderedDict
    assert rendered == {"a": "2024-03-05"}


def test_dict_subclass_with_other_constructor_becomes_a_dict() -> None:
    value: defaultdict[str, str] = defaultdict(str, a="{{ ds }}")
    assert render_value(value, CONTEXT, env()) == {"a": "2024-03-05"}


# -- nested templated objects -----------------------------------------------------------------


def test_nested_templated_object_is_rendered_in_place() -> None:
    nested = Nested("/data/{{ ds }}")
    assert render_value([nested], CONTEXT, env()) == [nested]
    assert nested.path == "/data/2024-03-05"


def test_templated_object_cycle_renders_once() -> None:
    class Node:
        template_fields = ("label", "other")

        def __init__(self) -> None:
            self.label = "{{ ds }}"
            self.other: Any = None

    first, second = Node(), Node()
    first.other, second.other = second, first
    render_value(first, CONTEXT, env())
    assert (first.label, second.label) == ("2024-03-05", "2024-03-05")


# -- template files ---------------------------------------------------------------------------


def test_string_with_template_ext_is_loaded_from_searchpath(tmp_path: Path) -> None:
    (tmp_path / "query.sql").write_text("SELECT * FROM t WHERE day = '{{ ds }}'\n")
    rendered = render_value(
        "query.sql", CONTEXT, env(searchpath=(str(tmp_path),)), template_ext=(".sql",)
    )
    assert rendered == "SELECT * FROM t WHERE day = '2024-03-05'\n"


def test_searchpath_order_decides_which_file_wins(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.sh").write_text("first")
    (tmp_path / "b" / "x.sh").write_text("second")
    options = {"searchpath": (str(tmp_path / "a"), str(tmp_path / "b"))}
    assert render_value("x.sh", CONTEXT, env(**options), template_ext=(".sh",)) == "first"


def test_missing_template_file_is_rendered_as_a_string(tmp_path: Path) -> None:
    options = {"searchpath": (str(tmp_path),)}
    rendered = render_value(
        "echo {{ ds }} > out.sh", CONTEXT, env(**options), template_ext=(".sh",)
    )
    assert rendered == "echo 2024-03-05 > out.sh"


def test_string_without_template_ext_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "query.sql").write_text("SELECT 1")
    rendered = render_value("query.sql", CONTEXT, env(searchpath=(str(tmp_path),)))
    assert rendered == "query.sql"


def test_template_ext_applies_inside_containers(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("{{ ds }}")
    options = {"searchpath": (str(tmp_path),)}
    assert render_value(["a.sql"], CONTEXT, env(**options), template_ext=(".sql",)) == [
        "2024-03-05"
    ]


# -- errors ---------------------------------------------------------------------------------


def test_undefined_name_raises_naming_field_line_and_name() -> None:
    with pytest.raises(TemplateRenderError) as info:
        render_value("echo\n{{ missing }}", CONTEXT, env(), field_name="bash_command")
    message = str(info.value)
    assert message.startswith(
        "Could not render template field 'bash_command': UndefinedError at line 2: "
        "'missing' is undefined."
    )


def test_syntax_error_raises_with_line_number() -> None:
    with pytest.raises(TemplateRenderError, match="TemplateSyntaxError at line 1"):
        render_value("{{ ds ", CONTEXT, env(), field_name="x")


def test_error_in_template_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.sql").write_text("SELECT 1\nFROM {{ table }}")
    with pytest.raises(TemplateRenderError) as info:
        render_value(
            "bad.sql",
            CONTEXT,
            env(searchpath=(str(tmp_path),)),
            template_ext=(".sql",),
            field_name="sql",
        )
    assert str(info.value).startswith(
        f"Could not render template field 'sql' (file {tmp_path / 'bad.sql'}): "
        "UndefinedError at line 2: 'table' is undefined."
    )


def test_error_raised_by_a_macro_is_wrapped() -> None:
    def boom() -> str:
        raise ValueError("no luck")

    with pytest.raises(TemplateRenderError, match="ValueError at line 1: no luck") as info:
        render_value("{{ boom() }}", CONTEXT, env(user_defined_macros={"boom": boom}))
    assert isinstance(info.value.__cause__, ValueError)


def test_error_in_nested_container_names_the_path() -> None:
    with pytest.raises(TemplateRenderError, match=r"field \"env\['A'\]\[0\]\""):
        render_value({"A": ["{{ nope }}"]}, CONTEXT, env(), field_name="env")


# -- render_template_fields -------------------------------------------------------------------


def test_render_template_fields_renders_listed_attributes_in_place() -> None:
    op = Op("echo {{ ds }}", env={"DAY": "{{ ds_nodash | default('x') }}"})
    render_template_fields(op, CONTEXT, env())
    assert (op.command, op.env) == ("echo 2024-03-05", {"DAY": "x"})


def test_render_template_fields_leaves_other_attributes_alone() -> None:
    op = Op("echo")
    op.task_id = "{{ ds }}"
    render_template_fields(op, CONTEXT, env())
    assert op.task_id == "{{ ds }}"


def test_render_template_fields_uses_the_objects_template_ext(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text("echo {{ params.name }}")
    op = Op("run.sh")
    render_template_fields(op, CONTEXT, env(searchpath=(str(tmp_path),)))
    assert op.command == "echo x"


def test_render_template_fields_missing_attribute_names_class_and_field() -> None:
    class Broken:
        template_fields = ("sql",)
        task_id = "load"

    with pytest.raises(TemplateRenderError) as info:
        render_template_fields(Broken(), CONTEXT, env())
    assert str(info.value) == (
        "Broken 'load' lists 'sql' in template_fields but has no attribute 'sql'; "
        "set self.sql in __init__ or remove it from template_fields."
    )


def test_render_template_fields_error_names_operator_and_field() -> None:
    with pytest.raises(TemplateRenderError) as info:
        render_template_fields(Op("{{ nope }}", task_id="say"), CONTEXT, env())
    assert str(info.value).startswith(
        "Could not render template field 'command' of Op 'say': UndefinedError at line 1: "
        "'nope' is undefined."
    )


# -- literal --------------------------------------------------------------------------------


def test_literal_is_not_rendered() -> None:
    assert render_value(literal("{{ ds }}"), CONTEXT, env()) == "{{ ds }}"


def test_literal_inside_a_container_is_not_rendered() -> None:
    assert render_value(["{{ ds }}", literal("{{ ds }}")], CONTEXT, env()) == [
        "2024-03-05",
        "{{ ds }}",
    ]


def test_literal_wraps_any_value() -> None:
    payload = {"a": "{{ ds }}"}
    assert literal(payload) == LiteralValue(payload)
    assert render_value(literal(payload), CONTEXT, env()) is payload


def test_literal_template_field_is_unwrapped() -> None:
    op = Op(literal("echo {{ raw }}"))
    render_template_fields(op, CONTEXT, env())
    assert op.command == "echo {{ raw }}"
