"""Run every example pipeline once with ``tradewind dags test``; exit 1 if any run fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def main() -> int:
    listing = subprocess.run(
        [sys.executable, "-m", "tradewind", "dags", "list", str(EXAMPLES), "--output", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    import json

    dags = json.loads(listing.stdout)["dags"]
    failed = []
    for entry in dags:
        print(f"\n=== {entry['dag_id']} ({entry['fileloc']}) ===", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "tradewind", "dags", "test", entry["file"], entry["dag_id"]]
        )
        if result.returncode != 0:
            failed.append(entry["dag_id"])
    print(f"\n{len(dags) - len(failed)} of {len(dags)} example pipelines succeeded.")
    if failed:
        print(f"Failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
