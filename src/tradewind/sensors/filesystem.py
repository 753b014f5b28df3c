"""``FileSensor``: wait until a file (or a non-empty folder) exists.

``filepath`` may be a glob pattern (``/data/*.csv``; ``**`` spans folders when ``recursive``
is set). The sensor is done when a match is a file, or a folder holding at least one file at
any depth, as in Airflow. Paths are local; ``fs_conn_id`` is accepted for Airflow DAG files
and will name a base folder once connections exist.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradewind.sensors.base import BaseSensorOperator, deferrable_mode

__all__ = ["FileSensor"]

log = logging.getLogger(__name__)


def _has_file(folder: str) -> bool:
    return any(files for _root, _dirs, files in os.walk(folder))


class FileSensor(BaseSensorOperator):
    """Wait for ``filepath`` (templated, glob patterns allowed) to exist; pushes no XCom."""

    template_fields: Sequence[str] = ("filepath",)
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str | os.PathLike[str],
        fs_conn_id: str = "fs_default",
        recursive: bool = False,
        deferrable: bool = False,
        mode: str = "poke",
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=deferrable_mode(mode, deferrable), **kwargs)
        self.filepath = os.fspath(filepath)
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive
        self.deferrable = deferrable

    def poke(self, context: Any) -> bool:
        log.info("Poking for file %s", self.filepath)
        # glob.glob, not Path.glob: the pattern may be absolute.
        for match in sorted(glob.glob(self.filepath, recursive=self.recursive)):  # noqa: PTH207
            path = Path(match)
            if path.is_file():
                modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                log.info("Found file %s, last modified %s", match, modified.isoformat())
                return True
            if path.is_dir() and _has_file(match):
                log.info("Found folder %s with files in it", match)
                return True
        return False
