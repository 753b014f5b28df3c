"""``GET /api/v2/version`` (public): the Tradewind version serving the API."""

from __future__ import annotations

import os

from fastapi import APIRouter

from tradewind.__about__ import __version__
from tradewind.api.schemas.monitor import VersionRead

router = APIRouter(tags=["Version"])

#: Set by builds that know the commit (e.g. a container image); otherwise null.
GIT_VERSION_ENV = "TRADEWIND_GIT_VERSION"


@router.get("/api/v2/version", response_model=VersionRead, summary="Get Version")
def get_version() -> VersionRead:
    return VersionRead(version=__version__, git_version=os.environ.get(GIT_VERSION_ENV) or None)
