"""``python -m tradewind.compat install-hook | remove-hook | status`` (see ``startup``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tradewind.compat.startup import (
    default_site_dir,
    hook_installed,
    install_startup_hook,
    remove_startup_hook,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tradewind.compat",
        description="Let `python my_dag.py` import airflow through Tradewind.",
    )
    parser.add_argument("command", choices=("install-hook", "remove-hook", "status"))
    parser.add_argument("--site-dir", type=Path, help="default: this environment's site-packages")
    args = parser.parse_args(argv)
    folder = args.site_dir or default_site_dir()
    if args.command == "install-hook":
        for path in install_startup_hook(folder):
            sys.stdout.write(f"wrote {path}\n")
    elif args.command == "remove-hook":
        for path in remove_startup_hook(folder):
            sys.stdout.write(f"removed {path}\n")
    else:
        state = "installed" if hook_installed(folder) else "not installed"
        sys.stdout.write(f"start-up hook {state} in {folder}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
