"""Where in the user's DAG file a call was made, for error messages."""

from __future__ import annotations

import sys
from pathlib import Path

_SDK_ROOT = str(Path(__file__).resolve().parent.parent)


def user_callsite() -> str:
    """``file:line`` of the innermost frame outside Tradewind, or ``"<unknown>"``."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_SDK_ROOT) and not filename.startswith("<frozen"):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"
