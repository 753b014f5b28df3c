"""The settings in effect (Airflow's ``Config``, ``ConfigSection``, ``ConfigOption``)."""

from __future__ import annotations

from tradewind.api.schemas.common import ReadModel


class ConfigOptionRead(ReadModel):
    key: str
    value: str


class ConfigSectionRead(ReadModel):
    name: str
    options: list[ConfigOptionRead]


class ConfigRead(ReadModel):
    sections: list[ConfigSectionRead]
