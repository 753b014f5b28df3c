"""What commands show: rows as a table (rich), JSON or YAML, and errors as one line.

Every listing command takes ``--output table|json|yaml`` (:data:`output_option`) and prints
its rows with :func:`print_rows`. In JSON and YAML, dates are ISO 8601 strings and missing
values are null; tables are for people (no width limit when the output is not a terminal, so
each row stays on one line for ``grep``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tradewind.errors import TradewindError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_BAD_INPUT",
    "CommandError",
    "console",
    "dump",
    "jsonable",
    "output_option",
    "print_rows",
    "reported_errors",
    "yaml_dumper",
]

#: Exit status for bad input (an unknown DAG, a database to migrate): as click's usage errors.
EXIT_BAD_INPUT = 2

FORMATS = ("table", "json", "yaml")

output_option = click.option(
    "--output",
    "-o",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="How to print the result.",
)


class CommandError(click.ClickException):
    """One ``Error: ...`` line on stderr naming what to do, and exit status 2."""

    exit_code = EXIT_BAD_INPUT


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn what Tradewind refuses (``TradewindError``) into a :class:`CommandError`."""
    try:
        yield
    except TradewindError as error:
        raise CommandError(str(error)) from None


def jsonable(value: Any) -> Any:
    """``value`` with dates as ISO 8601 strings, enums as their values, paths as strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def yaml_dumper() -> Callable[[Any], str]:
    """A YAML dump function; a clear error when PyYAML is missing."""
    try:
        # Through import_module: PyYAML's type stubs are optional.
        yaml = importlib.import_module("yaml")
    except ImportError:
        raise CommandError(
            "--output yaml needs PyYAML, which is not installed: run `pip install pyyaml`, "
            "or use --output json."
        ) from None

    def dump_yaml(data: Any) -> str:
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    return dump_yaml


def dump(data: Any, output: str) -> None:
    """Print ``data`` as JSON or YAML on stdout."""
    data = jsonable(data)
    if output == "yaml":
        click.echo(yaml_dumper()(data), nl=False)
    else:
        click.echo(json.dumps(data, indent=2))


def console(*, stderr: bool = False) -> Console:
    """A rich console; unlimited width when not a terminal, so rows are not wrapped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    out = Console(file=stream, highlight=False)
    if not out.is_terminal:
        out = Console(file=stream, highlight=False, width=100_000)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(jsonable(value)) if value else ""
    return str(value)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*(Text(_cell(row.get(column))) for column in columns))
    console().print(table)


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    output: str,
    *,
    columns: Sequence[str] | None = None,
    empty: str = "Nothing to show.",
) -> None:
    """Print rows as a table (``columns``, default every key), or as a JSON/YAML list."""
    if output != "table":
        dump(list(rows), output)
        return
    if not rows:
        click.echo(empty)
        return
    print_table(rows, list(columns or rows[0].keys()))
