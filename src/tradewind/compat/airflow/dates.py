"""``airflow.utils.dates``: ``days_ago`` and the cron presets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["cron_presets", "days_ago"]

cron_presets: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}


def days_ago(
    n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime:
    """Today at ``hour:minute:second`` UTC, ``n`` days back (``days_ago(1)``: yesterday 00:00)."""
    today = datetime.now(UTC).replace(
        hour=hour, minute=minute, second=second, microsecond=microsecond
    )
    return today - timedelta(days=n)
