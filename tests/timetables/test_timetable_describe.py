"""Human-readable descriptions of cron expressions."""

from __future__ import annotations

import pytest

from tradewind.timetables.describe import describe_cron


@pytest.mark.parametrize(
    ("expression", "description"),
    [
        ("0 0 * * *", "At 00:00"),
        ("30 21 * * 5", "At 21:30, only on Friday"),
        ("0 9 * * 1-5", "At 09:00, only on Monday through Friday"),
        ("0 9 * * MON,FRI", "At 09:00, only on Monday and Friday"),
        ("10,40 1 * * *", "At 01:10 and 01:40"),
        ("* * * * *", "Every minute"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("0 * * * *", "Every hour"),
        ("30 * * * *", "At minute 30 of every hour"),
        ("0 */6 * * *", "Every 6 hours"),
        ("*/5 9-17 * * *", "Every 5 minutes, between 09:00 and 17:59"),
        ("0 0 1 */3 *", "At 00:00, on day 1 of the month, every 3 months"),
        ("0 0 1 1 *", "At 00:00, on day 1 of the month, only in January"),
        ("0 0 L * *", "At 00:00, on the last day of the month"),
        ("0 0 13 * 5", "At 00:00, on day 13 of the month or only on Friday"),
        ("0 0 * * 0", "At 00:00, only on Sunday"),
        ("0 0 * * 7", "At 00:00, only on Sunday"),
        ("0 0 * * * 0", "At 00:00"),
        ("0 0 * * * 30", "At times matching the cron expression '0 0 * * * 30'"),
    ],
)
def test_cron_description(expression: str, description: str) -> None:
    assert describe_cron(expression) == description
