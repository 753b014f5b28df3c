"""DAG files kept imported in the supervisor, so that every forked task process inherits them.

Importing a DAG file is the slow part of starting a try. The supervisor imports each file
once per version and forks task processes from there; a file is imported again when its
modification time or size changes. Helper modules the DAG files imported (any module from
outside the standard library, site-packages and Tradewind) are watched too: when one changes,
every cached file is dropped with the helpers, so that no task runs with a stale helper.
Each DAG's Jinja environment is built here as well, once per version: built in every task
process instead, it would cost milliseconds per try.
"""

from __future__ import annotations

import importlib
import os
import site
import sys
import sysconfig
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import tradewind
from tradewind.runtime.loader import LoadResult, load_dag_file
from tradewind.sdk.dag import DAG
from tradewind.sdk.templating import make_environment, template_options_for

__all__ = ["DagFileCache"]

_Stamp = tuple[int, int]  # (st_mtime_ns, st_size)


def _stamp(path: str) -> _Stamp | None:
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _library_folders() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    folders = {
        paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib") if name in paths
    }
    folders.update(site.getsitepackages())
    folders.add(site.getusersitepackages())
    folders.add(str(Path(tradewind.__file__).parent))
    return tuple(str(Path(f).resolve()) + os.sep for f in folders)


@dataclass
class _Entry:
    stamp: _Stamp
    result: LoadResult


def _prepare(dag: DAG) -> None:
    """Build what every try of ``dag`` builds first (its Jinja environment), to inherit it."""
    with suppress(Exception):  # bad template options: the runner reports them in the try
        make_environment(template_options_for(dag))


class DagFileCache:
    """The DAGs of each DAG file, imported in this process, re-imported when they change."""

    def __init__(self, *, import_timeout: float) -> None:
        self.import_timeout = import_timeout
        self._entries: dict[str, _Entry] = {}
        #: Helper modules imported by DAG files: module name → (file, stamp).
        self._helpers: dict[str, tuple[str, _Stamp | None]] = {}
        self._libraries = _library_folders()
        #: How many times a file was imported (for tests and diagnostics).
        self.imports = 0

    def get(self, path: str) -> LoadResult:
        """The file's DAGs and import errors, importing it if it is new or has changed."""
        self._drop_all_if_helpers_changed()
        stamp = _stamp(path)
        entry = self._entries.get(path)
        if entry is not None and entry.stamp == stamp:
            return entry.result
        before = set(sys.modules)
        result = load_dag_file(path, timeout=self.import_timeout)
        self.imports += 1
        self._watch_new_helpers(set(sys.modules) - before)
        for dag in result.dags.values():
            _prepare(dag)
        if stamp is not None:
            self._entries[path] = _Entry(stamp, result)
        return result

    def _watch_new_helpers(self, names: set[str]) -> None:
        for name in names:
            if name.startswith("tradewind_dagfile_"):
                continue  # a DAG file itself: its entry watches it
            filename = getattr(sys.modules.get(name), "__file__", None)
            if not isinstance(filename, str):
                continue
            real = os.path.realpath(filename)
            if not real.startswith(self._libraries):
                self._helpers[name] = (filename, _stamp(filename))

    def _drop_all_if_helpers_changed(self) -> None:
        if all(_stamp(file) == stamp for file, stamp in self._helpers.values()):
            return
        for name in self._helpers:
            sys.modules.pop(name, None)
        self._helpers.clear()
        self._entries.clear()
        importlib.invalidate_caches()
