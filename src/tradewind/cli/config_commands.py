"""``tradewind config get SECTION KEY`` and ``tradewind config list``: the settings in effect.

Settings come from the defaults, then ``$TRADEWIND_HOME/tradewind.toml``, then environment
variables ``TRADEWIND__SECTION__KEY`` (and ``TRADEWIND_DATABASE_URL``), each overriding the
one before. ``list`` says which of the three each value comes from. Values are the ones in
effect: an empty ``[core] dags_folder`` or ``[database] url`` shows the default it stands for.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from typing import Any

import click

from tradewind.cli.metadata import load_command_settings
from tradewind.cli.output import CommandError, output_option, print_rows
from tradewind.config import Settings, setting_in_effect, setting_text, settings_sections

__all__ = ["register"]


def register(group: click.Group) -> None:
    """Add ``get`` and ``list`` to the ``config`` group."""
    group.add_command(get)
    group.add_command(list_settings)


def _file_values(settings: Settings) -> dict[str, dict[str, Any]]:
    path = settings.home / "tradewind.toml"
    if not path.is_file():
        return {}
    return {k: dict(v) for k, v in tomllib.loads(path.read_text()).items() if isinstance(v, dict)}


def _source(
    section: str, key: str, file_values: Mapping[str, Mapping[str, Any]], env: Mapping[str, str]
) -> str:
    from tradewind.config import DATABASE_URL_ENV, ENV_PREFIX

    names = {name.upper() for name in env}
    if (section, key) == ("database", "url") and env.get(DATABASE_URL_ENV):
        return "env"
    if f"{ENV_PREFIX}{section}__{key}".upper() in names:
        return "env"
    if key in file_values.get(section, {}):
        return "file"
    return "default"


#: Settings whose values `config list` never shows.
_SECRET_SETTINGS = frozenset({("api", "secret_key")})


def _hide_password(url: str) -> str:
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@click.command("get")
@click.argument("section")
@click.argument("key")
def get(section: str, key: str) -> None:
    """Print the value in effect of setting KEY of [SECTION] (e.g. `config get core dags_folder`)."""
    settings = load_command_settings()
    sections = settings_sections(settings)
    section, key = section.lower(), key.lower()
    if section not in sections:
        raise CommandError(
            f"There is no settings section [{section}]; the sections are "
            f"{', '.join(sections)} (`tradewind config list` shows every setting)."
        )
    known = [f.name for f in dataclasses.fields(sections[section])]
    if key not in known:
        raise CommandError(
            f"There is no setting {key!r} in [{section}]; its settings are {', '.join(known)}."
        )
    click.echo(setting_text(setting_in_effect(settings, section, key)))


@click.command("list")
@click.option("--section", help="Only the settings of this section.")
@output_option
def list_settings(section: str | None, output: str) -> None:
    """List every setting with its value in effect and where it comes from (default, file, env)."""
    settings = load_command_settings()
    sections = settings_sections(settings)
    if section is not None and section.lower() not in sections:
        raise CommandError(
            f"There is no settings section [{section}]; the sections are {', '.join(sections)}."
        )
    file_values = _file_values(settings)
    rows = []
    for name, values in sections.items():
        if section is not None and name != section.lower():
            continue
        for f in dataclasses.fields(values):
            value = setting_in_effect(settings, name, f.name)
            if (name, f.name) == ("database", "url"):
                value = _hide_password(value)
            elif (name, f.name) in _SECRET_SETTINGS and value:
                value = "***"  # `config get` still prints it for scripts that need it
            rows.append(
                {
                    "section": name,
                    "key": f.name,
                    "value": value if output != "table" else setting_text(value),
                    "source": _source(name, f.name, file_values, os.environ),
                }
            )
    print_rows(rows, output, columns=["section", "key", "value", "source"])
