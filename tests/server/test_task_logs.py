"""``server.task_logs`` and ``contracts.log_files``: reading a try's log from an offset,
whole lines while the try runs, and following it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tradewind.contracts.log_files import LOG_DATE_FORMAT, LOG_FORMAT, LogLine, parse_log_line
from tradewind.server.task_logs import LogFile, LogFollower, LogUnreadableError, follow, read_log


def test_a_logging_line_is_taken_apart() -> None:
    line = parse_log_line("[2024-05-01T12:00:00.123Z] {tradewind.task} WARNING - a - b")

    assert line == LogLine(
        "a - b", datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC), "warning", "tradewind.task"
    )


@pytest.mark.parametrize(
    "text", ["plain output", "  File 'x.py', line 1", "[2024-13-01T12:00:00.123Z] {x} INFO - m"]
)
def test_a_line_without_the_prefix_is_only_a_message(text: str) -> None:
    assert parse_log_line(text) == LogLine(text)


def test_the_runtimes_log_lines_are_the_ones_parsed() -> None:
    from tradewind.runtime import task_process
    from tradewind.server import in_process

    assert (task_process.LOG_FORMAT, task_process.LOG_DATE_FORMAT) == (
        LOG_FORMAT,
        LOG_DATE_FORMAT,
    )
    assert in_process.LOG_FORMAT == LOG_FORMAT


def test_while_the_try_runs_only_whole_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "attempt=1.log"
    path.write_bytes(b"one\ntwo\nthr")
    file = LogFile(str(path))

    running = read_log(file, 0, try_on=True, limit=None)
    ended = read_log(file, running.next_offset, try_on=False, limit=None)

    assert (running.text, running.next_offset, running.end_of_log) == ("one\ntwo\n", 8, False)
    assert (ended.text, ended.end_of_log) == ("thr", True)


def test_a_chunk_stops_at_a_line_and_a_line_longer_than_a_chunk_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "attempt=1.log"
    path.write_text("ab\ncdefgh\n")
    file = LogFile(f"file://{path}")

    first = read_log(file, 0, try_on=False, limit=5)
    second = read_log(file, first.next_offset, try_on=False, limit=5)

    assert (first.text, first.end_of_log) == ("ab\n", False)
    assert (second.text, second.end_of_log) == ("cdefg", False)


def test_a_log_not_written_yet_reads_as_nothing(tmp_path: Path) -> None:
    file = LogFile(str(tmp_path / "missing.log"))

    assert not file.exists()
    assert read_log(file, 0, try_on=True, limit=None).text == ""


def test_a_log_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    with pytest.raises(LogUnreadableError, match="cannot be read"):
        LogFile(str(tmp_path)).read(0)


def test_following_reads_until_the_try_ends(tmp_path: Path) -> None:
    path = tmp_path / "attempt=1.log"
    path.write_text("first\n")
    states = iter([True, True, False])

    def sleep(_: float) -> None:
        with path.open("a") as log:
            log.write("second\n")

    follower = LogFollower(LogFile(str(path)), lambda: next(states))

    assert list(follow(follower, poll_interval=0, sleep=sleep)) == ["first\n", "second\n"]
    assert follower.ended
