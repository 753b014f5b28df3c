"""Installed with Tradewind (a .pth file imports it at interpreter start).

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
