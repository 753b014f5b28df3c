"""A start-up hook so that ``python my_dag.py`` can import ``airflow`` through Tradewind.

A DAG file run directly (``if __name__ == "__main__": dag.test()``) imports ``airflow``
before anything of Tradewind runs, so the finders of :mod:`tradewind.compat` are not there
yet. Tradewind's wheel installs two files into site-packages (``python -m tradewind.compat
install-hook`` writes them again where they are missing): a tiny
module of the standard library only, and a ``.pth`` file that imports it at interpreter
start. The module puts a finder at the *end* of ``sys.meta_path``, which is asked only after
every other finder failed to find ``airflow`` or ``pendulum``: it then installs Tradewind's
finders (:func:`tradewind.compat.install_if_needed`) and hands the import to them. An
installed Apache Airflow or pendulum is always found first. ``remove-hook`` deletes the files.
"""

from __future__ import annotations

import importlib.util
import sysconfig
from pathlib import Path

__all__ = [
    "HOOK_MODULE",
    "PTH_NAME",
    "default_site_dir",
    "hook_installed",
    "hook_source",
    "install_startup_hook",
    "remove_startup_hook",
]

HOOK_MODULE = "_tradewind_airflow_hook"
PTH_NAME = "tradewind-airflow-compat.pth"


def hook_source() -> str:
    """The hook module's source: the ``_tradewind_airflow_hook.py`` that ships with Tradewind."""
    spec = importlib.util.find_spec(HOOK_MODULE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{HOOK_MODULE}.py is missing from this installation of Tradewind.")
    return Path(spec.origin).read_text(encoding="utf-8")


def default_site_dir() -> Path:
    """The site-packages folder of this interpreter's environment."""
    return Path(sysconfig.get_paths()["purelib"])


def install_startup_hook(site_dir: Path | None = None) -> list[Path]:
    """Write the hook module and its ``.pth`` file into ``site_dir``; returns their paths."""
    folder = site_dir or default_site_dir()
    module = folder / f"{HOOK_MODULE}.py"
    pth = folder / PTH_NAME
    module.write_text(hook_source(), encoding="utf-8")
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
