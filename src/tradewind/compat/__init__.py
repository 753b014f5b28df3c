"""Compatibility: Airflow DAG files (and their ``pendulum`` dates) run on Tradewind unchanged.

:func:`install_if_needed` puts two import finders on ``sys.meta_path``; the DAG loader calls
it before it imports a DAG file:

* ``airflow`` and its submodules resolve to Tradewind's own classes (the table is
  :mod:`tradewind.compat.airflow.modules`) when Apache Airflow is not installed. Where it is
  installed, ``import airflow`` is the real Airflow and nothing is shadowed, unless the
  environment variable ``TRADEWIND_AIRFLOW_COMPAT=force`` asks for Tradewind's stand-ins
  (``off`` turns them off; ``auto``, the default, decides as above).
* ``pendulum`` resolves to a minimal stand-in (:mod:`tradewind.compat.pendulum`) only when
  the real library is not installed.

Both finders sit at the end of ``sys.meta_path`` (``force`` puts the Airflow one first), so a
real package found by the normal import system always wins. Running a DAG file directly with
``python my_dag.py`` happens before Tradewind is imported; ``python -m tradewind.compat
install-hook`` adds a start-up hook for that (see :mod:`tradewind.compat.startup`).
"""

from __future__ import annotations

import importlib.util
import os
import sys

from tradewind.compat.finder import AliasFinder, ModuleRecipe
from tradewind.errors import ConfigError

__all__ = ["ENV_VAR", "MODES", "airflow_active", "install_if_needed", "uninstall"]

#: The environment variable that chooses the Airflow mode: ``auto``, ``force`` or ``off``.
ENV_VAR = "TRADEWIND_AIRFLOW_COMPAT"
MODES = ("auto", "force", "off")

_finders: dict[str, AliasFinder] = {}


def _airflow_finder() -> AliasFinder:
    if "airflow" not in _finders:
        from tradewind.compat.airflow import modules

        _finders["airflow"] = AliasFinder(
            "airflow",
            modules.RECIPES,
            what="Airflow",
            module_hints=modules.MODULE_HINTS,
            name_hints=modules.NAME_HINTS,
            default_hint=modules.DEFAULT_HINT,
        )
    return _finders["airflow"]


_PENDULUM_HINT = (
    "Tradewind's minimal pendulum stand-in covers datetime, now, today, parse, timezone and "
    "duration; install the real library (pip install pendulum) for the rest."
)


def _pendulum_finder() -> AliasFinder:
    if "pendulum" not in _finders:
        from tradewind.compat import pendulum

        recipe = ModuleRecipe(
            names={name: f"tradewind.compat.pendulum:{name}" for name in pendulum.__all__},
            constants={"__version__": pendulum.__version__},
        )
        _finders["pendulum"] = AliasFinder(
            "pendulum", {"pendulum": recipe}, what="pendulum", default_hint=_PENDULUM_HINT
        )
    return _finders["pendulum"]


def _mode(mode: str | None) -> str:
    chosen = (mode if mode is not None else os.environ.get(ENV_VAR) or "auto").strip().lower()
    if chosen not in MODES:
        raise ConfigError(
            f"{ENV_VAR} is {chosen!r}; use one of {', '.join(MODES)} (auto: Tradewind's "
            "Airflow modules only when Apache Airflow is not installed)."
        )
    return chosen


def _installed_elsewhere(name: str, finder: AliasFinder) -> bool:
    """Whether ``import name`` would find a real package (one ``finder`` did not build)."""
    module = sys.modules.get(name)
    if module is not None:
        return not finder.owns(module)
    if finder in sys.meta_path:
        return False
    return importlib.util.find_spec(name) is not None


def _append(finder: AliasFinder) -> None:
    if finder not in sys.meta_path:
        sys.meta_path.append(finder)


def install_if_needed(mode: str | None = None) -> bool:
    """Make ``import airflow`` and ``import pendulum`` work for DAG files; idempotent.

    ``mode`` (default: the ``TRADEWIND_AIRFLOW_COMPAT`` environment variable, else
    ``auto``) is ``auto``, ``force`` or ``off``; see the module docstring. Returns whether
    ``import airflow`` now resolves to Tradewind's stand-ins.
    """
    chosen = _mode(mode)
    pendulum = _pendulum_finder()
    if not _installed_elsewhere("pendulum", pendulum):
        _append(pendulum)
    if chosen == "off":
        return False
    airflow = _airflow_finder()
    if chosen == "force":
        if sys.meta_path[:1] != [airflow]:
            if airflow in sys.meta_path:
                sys.meta_path.remove(airflow)
            sys.meta_path.insert(0, airflow)
        # An airflow imported before cannot be replaced; from now on the stand-ins win.
        imported = sys.modules.get("airflow")
        return imported is None or airflow.owns(imported)
    if _installed_elsewhere("airflow", airflow):
        return False
    _append(airflow)
    return True


def airflow_active() -> bool:
    """Whether ``import airflow`` resolves (or will resolve) to Tradewind's stand-ins."""
    finder = _finders.get("airflow")
    if finder is None or finder not in sys.meta_path:
        return False
    module = sys.modules.get("airflow")
    return module is None or finder.owns(module)


def uninstall() -> None:
    """Remove the finders and forget every module they built (for tests and tools)."""
    for finder in _finders.values():
        while finder in sys.meta_path:
            sys.meta_path.remove(finder)
        for name in [n for n, m in sys.modules.items() if finder.owns(m)]:
            del sys.modules[name]
