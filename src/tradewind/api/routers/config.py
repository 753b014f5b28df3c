"""``GET /api/v2/config`` and ``GET /api/v2/config/section/{section}/option/{option}``: the
settings in effect, when ``[api] expose_config`` is true (403 otherwise), to Op and Admin.

Values are text, as in Airflow (``true``/``false`` for switches), and the ones in effect: an
empty ``[core] dags_folder`` or ``[database] url`` shows what it stands for. Secrets never
show: ``secret_key`` (and any setting named like a password or token) reads ``< hidden >``,
and a URL's password ``***``. ``Accept: text/plain`` answers in the file's format.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from tradewind.api.auth.errors import NotAuthorizedError
from tradewind.api.auth.roles import AuthUser, Role
from tradewind.api.deps import ApiState, CurrentUser, State
from tradewind.api.errors import error_responses
from tradewind.api.routers._media import JSON, TEXT, negotiate
from tradewind.api.schemas.config import ConfigOptionRead, ConfigRead, ConfigSectionRead
from tradewind.config import Settings, setting_in_effect, setting_text, settings_sections

router = APIRouter(prefix="/api/v2", tags=["Config"])

HIDDEN = "< hidden >"

#: Setting names whose values are secrets (``secret_key``, ``…_password``, ``…_token``).
_SECRET_SUFFIXES = ("secret", "secret_key", "password", "_token")

_NOT_EXPOSED = (
    "The configuration is not exposed: to show it through the API, set [api] expose_config "
    "= true (or TRADEWIND__API__EXPOSE_CONFIG=true) where the API server runs. Secrets stay "
    "hidden either way."
)


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a database URL: hide what could be credentials
        scheme, separator, rest = url.partition("://")
        if separator and "@" in rest.split("/", 1)[0]:
            return f"{scheme}://***@{rest.split('@', 1)[1]}"
        return url


def shown_value(settings: Settings, section: str, key: str) -> str:
    """The value in effect of ``[section] key``, as the API may show it."""
    if key.endswith(_SECRET_SUFFIXES):
        return HIDDEN
    value = setting_text(setting_in_effect(settings, section, key))
    if key == "url" or key.endswith("_url"):
        return _without_password(value)
    return value


def setting_names(settings: Settings) -> dict[str, list[str]]:
    """Section → its setting names, in the order ``Settings`` declares them."""
    return {
        name: [option.name for option in dataclasses.fields(values)]
        for name, values in settings_sections(settings).items()
    }


def _check(state: ApiState, user: AuthUser) -> None:
    if user.role not in (Role.OP, Role.ADMIN):
        raise NotAuthorizedError(
            f"User {user.username!r} has the role {user.role}, which may not read the "
            "configuration; that takes the role Op or Admin."
        )
    if not state.settings.api.expose_config:
        raise NotAuthorizedError(_NOT_EXPOSED)


def _answer(config: ConfigRead, media_type: str) -> Any:
    if media_type == JSON:
        return config
    text = "\n".join(
        f"[{section.name}]\n"
        + "".join(f"{option.key} = {option.value}\n" for option in section.options)
        for section in config.sections
    )
    return PlainTextResponse(text)


def _section_name(settings: Settings, section: str) -> str:
    sections = setting_names(settings)
    name = section.strip().lower()
    if name not in sections:
        raise HTTPException(
            404, f"There is no section [{section}]; the sections are {', '.join(sections)}."
        )
    return name


_TEXT_EXAMPLE = {TEXT: {"schema": {"type": "string"}, "example": "[core]\nload_examples = true\n"}}


@router.get(
    "/config",
    response_model=ConfigRead,
    summary="Get Config",
    responses={**error_responses(404, 406), 200: {"content": _TEXT_EXAMPLE}},
)
def get_config(
    state: State,
    user: CurrentUser,
    section: Annotated[str | None, Query(max_length=200)] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Any:
    """Every setting (of ``section`` only, if given)."""
    media_type = negotiate(accept, (JSON, TEXT))
    _check(state, user)
    settings = state.settings
    sections = setting_names(settings)
    if section is not None:
        name = _section_name(settings, section)
        sections = {name: sections[name]}
    config = ConfigRead(
        sections=[
            ConfigSectionRead(
                name=name,
                options=[
                    ConfigOptionRead(key=key, value=shown_value(settings, name, key))
                    for key in keys
                ],
            )
            for name, keys in sections.items()
        ]
    )
    return _answer(config, media_type)


@router.get(
    "/config/section/{section}/option/{option}",
    response_model=ConfigRead,
    summary="Get Config Value",
    responses={**error_responses(404, 406), 200: {"content": _TEXT_EXAMPLE}},
)
def get_config_value(
    section: str,
    option: str,
    state: State,
    user: CurrentUser,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Any:
    """One setting."""
    media_type = negotiate(accept, (JSON, TEXT))
    _check(state, user)
    settings = state.settings
    name = _section_name(settings, section)
    key = option.strip().lower()
    keys = setting_names(settings)[name]
    if key not in keys:
        raise HTTPException(
            404, f"There is no option {option!r} in [{name}]; its options are {', '.join(keys)}."
        )
    value = ConfigOptionRead(key=key, value=shown_value(settings, name, key))
    return _answer(ConfigRead(sections=[ConfigSectionRead(name=name, options=[value])]), media_type)
