"""A start-up hook so that ``python my_dag.py`` can import ``airflow`` through Tradewind.

A DAG file run directly (``if __name__ == "__main__": dag.test()``) imports ``airflow``
before anything of Tradewind runs, so the finders of :mod:`tradewind.compat` are not there
yet. ``python -m tradewind.compat install-hook`` writes two files into site-packages: a tiny
module of the standard library only, and a ``.pth`` file that imports it at interpreter
start. The module puts a finder at the *end* of ``sys.meta_path``, which is asked only after
every other finder failed to find ``airflow`` or ``pendulum``: it then installs Tradewind's
finders (:func:`tradewind.compat.install_if_needed`) and hands the import to them. An
installed Apache Airflow or pendulum is always found first. ``remove-hook`` deletes the files.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

__all__ = [
    "HOOK_MODULE",
    "HOOK_SOURCE",
    "PTH_NAME",
    "default_site_dir",
    "hook_installed",
    "install_startup_hook",
    "remove_startup_hook",
]

HOOK_MODULE = "_tradewind_airflow_hook"
PTH_NAME = "tradewind-airflow-compat.pth"

HOOK_SOURCE = '''\
"""Written by `python -m tradewind.compat install-hook`; remove with `... remove-hook`.

Lets `python my_dag.py` import `airflow` and `pendulum` through Tradewind when they are not
installed. Standard library only: it costs nothing until such an import fails otherwise.
"""

import importlib.util
import sys


class TradewindAirflowHook:
    """The last finder on sys.meta_path: asked only when no other finder found the module."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname not in ("airflow", "pendulum"):
            return None
        while cls in sys.meta_path:
            sys.meta_path.remove(cls)
        try:
            from tradewind.compat import install_if_needed
        except ImportError:  # Tradewind was uninstalled: behave as if this hook were absent
            return None
        install_if_needed()
        return importlib.util.find_spec(fullname)


if TradewindAirflowHook not in sys.meta_path:
    sys.meta_path.append(TradewindAirflowHook)
'''


def default_site_dir() -> Path:
    """The site-packages folder of this interpreter's environment."""
    return Path(sysconfig.get_paths()["purelib"])


def install_startup_hook(site_dir: Path | None = None) -> list[Path]:
    """Write the hook module and its ``.pth`` file into ``site_dir``; returns their paths."""
    folder = site_dir or default_site_dir()
    module = folder / f"{HOOK_MODULE}.py"
    pth = folder / PTH_NAME
    module.write_text(HOOK_SOURCE, encoding="utf-8")
    pth.write_text(f"import {HOOK_MODULE}\n", encoding="utf-8")
    return [module, pth]


def remove_startup_hook(site_dir: Path | None = None) -> list[Path]:
    """Delete the hook's files from ``site_dir``; returns the paths that were removed."""
    folder = site_dir or default_site_dir()
    removed = []
    for path in (folder / PTH_NAME, folder / f"{HOOK_MODULE}.py"):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def hook_installed(site_dir: Path | None = None) -> bool:
    folder = site_dir or default_site_dir()
    return (folder / PTH_NAME).is_file() and (folder / f"{HOOK_MODULE}.py").is_file()
