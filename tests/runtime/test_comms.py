"""Frames, channels and the execution client over a socket, and masking secrets in logs."""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.frames import (
    FrameDecoder,
    FrameError,
    encode_frame,
    error_to_wire,
    from_wire,
    to_wire,
)
from tradewind.contracts.runs import DagRunInfo, DagRunType, TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask
from tradewind.errors import DagRunAlreadyExistsError
from tradewind.runtime.comms import (
    Channel,
    ChannelClient,
    Connection,
    ExecutionRequestError,
    WorkerConnectionLostError,
)
from tradewind.runtime.masking import Masker, MaskingClient, MaskingFormatter

KEY = TaskInstanceKey("etl", "manual__1", "load", 3, 2)
WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


# -- the codec ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        ExecuteTask(key=KEY, dag_file="/dags/etl.py", dag_version="abc", priority=7, max_tries=2),
        TaskEvent(
            key=KEY,
            state=S.UP_FOR_RETRY,
            start_date=WHEN,
            end_date=WHEN + timedelta(seconds=1),
            error="boom",
            skip_task_ids=("a", "b"),
            xcom_lengths={"return_value": 3},
            pid=12,
        ),
        TaskEvent(
            key=KEY,
            state=S.SUCCESS,
            outlet_events=(
                {"name": "s3://x", "uri": "s3://x", "group": "asset", "extra": {"n": [1]}},
                {"name": "y", "uri": "s3://y", "group": "g", "extra": {}, "aliases": ["a"]},
            ),
        ),
        DagRunInfo(
            dag_id="etl",
            run_id="r",
            run_type=DagRunType.SCHEDULED,
            logical_date=datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2))),
            data_interval_start=None,
            data_interval_end=WHEN,
            run_after=WHEN,
            conf={"nested": {"list": [1, 2.5, None, True]}},
        ),
        [(0, "a"), (1, "b")],
        {1: "int key", (2, 3): "tuple key"},
        {"__tw__": "a user's key that looks like a tag"},
    ],
    ids=[
        "workload",
        "event",
        "event-with-outlet-events",
        "run-info",
        "tuples",
        "non-string-keys",
        "tag-collision",
    ],
)
def test_values_survive_a_frame_round_trip_unchanged(value: Any) -> None:
    (message,) = FrameDecoder().feed(encode_frame({"kind": "x", "value": value}))

    decoded = from_wire(message)["value"]
    assert decoded == value
    assert type(decoded) is type(value)


def test_fields_at_their_defaults_are_left_out_of_the_frame() -> None:
    (message,) = FrameDecoder().feed(
        encode_frame({"kind": "x", "event": TaskEvent(KEY, S.SUCCESS)})
    )

    assert set(message["event"]["fields"]) == {"key", "state"}
    assert from_wire(message["event"]) == TaskEvent(KEY, S.SUCCESS)


def test_enums_come_back_as_enums() -> None:
    decoded = from_wire(to_wire({"state": S.SUCCESS, "type": DagRunType.MANUAL}))

    assert decoded["state"] is S.SUCCESS and decoded["type"] is DagRunType.MANUAL


def test_a_value_frames_cannot_carry_is_refused_naming_its_type() -> None:
    with pytest.raises(TypeError, match=r"Cannot send a _thread\.lock"):
        encode_frame({"kind": "x", "value": threading.Lock()})


def test_the_decoder_reassembles_frames_split_at_any_byte() -> None:
    stream = b"".join(encode_frame({"kind": "n", "i": i, "text": "é" * i}) for i in range(5))
    decoder = FrameDecoder()

    messages = [m for byte in range(len(stream)) for m in decoder.feed(stream[byte : byte + 1])]

    assert [m["i"] for m in messages] == [0, 1, 2, 3, 4]
    assert decoder.pending == 0


@pytest.mark.parametrize(
    "data",
    [b"\xff\xff\xff\xff", b"\x00\x00\x00\x03abc", b"\x00\x00\x00\x02[]", b"\x00\x00\x00\x02{}"],
    ids=["too-long", "not-json", "not-an-object", "no-kind"],
)
def test_a_corrupt_stream_is_a_frame_error(data: bytes) -> None:
    with pytest.raises(FrameError):
        FrameDecoder().feed(data)


# -- channels and the client -------------------------------------------------------------------


Handler = Callable[[str, dict[str, Any]], Any]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], ChannelClient]]:
    """A client whose requests a thread answers with a handler, over a real socket pair."""
    ends: list[tuple[socket.socket, socket.socket, threading.Thread]] = []

    def start(handler: Handler) -> ChannelClient:
        client_end, server_end = socket.socketpair()
        server = Channel(server_end)

        def loop() -> None:
            while (request := server.receive()) is not None:
                response: dict[str, Any] = {"kind": "response", "id": request["id"]}
                try:
                    result = handler(request["method"], from_wire(request["kwargs"]))
                    server.send({**response, "ok": True, "result": result})
                except Exception as error:
                    server.send({**response, "ok": False, "error": error_to_wire(error)})

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        ends.append((client_end, server_end, thread))
        return ChannelClient(Channel(client_end))

    yield start
    for client_end, server_end, thread in ends:
        client_end.close()  # the server sees the end of its stream and returns
        thread.join(timeout=5)
        server_end.close()


def test_the_client_sends_typed_arguments_and_returns_typed_results(
    serve: Callable[[Handler], ChannelClient],
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    info = DagRunInfo("etl", "r", DagRunType.MANUAL, WHEN, WHEN, WHEN, WHEN)

    def handler(method: str, kwargs: dict[str, Any]) -> Any:
        calls.append((method, kwargs))
        return {"get_run_info": info, "list_xcom": [(0, '"a"')]}.get(method)

    client = serve(handler)
    client.set_xcom(KEY, "return_value", "[1]")

    assert client.get_run_info("etl", "r") == info
    assert client.list_xcom("etl", "r", "t", "return_value") == [(0, '"a"')]
    assert calls[0] == ("set_xcom", {"ti": KEY, "key": "return_value", "value": "[1]"})


def test_a_tradewind_error_of_the_handler_is_raised_again_as_its_class(
    serve: Callable[[Handler], ChannelClient],
) -> None:
    def handler(method: str, kwargs: dict[str, Any]) -> Any:
        raise DagRunAlreadyExistsError(kwargs["dag_id"], "taken")

    client = serve(handler)
    with pytest.raises(DagRunAlreadyExistsError, match="already has a run 'taken'") as caught:
        client.trigger_dag_run(
            dag_id="other", run_id="taken", conf={}, logical_date=None, reset_dag_run=False
        )
    assert caught.value.dag_id == "other"


def test_another_error_of_the_handler_is_an_execution_request_error(
    serve: Callable[[Handler], ChannelClient],
) -> None:
    def handler(method: str, kwargs: dict[str, Any]) -> Any:
        raise KeyError("no such table")

    with pytest.raises(ExecutionRequestError, match="KeyError: 'no such table'"):
        serve(handler).get_variable("x")


def test_a_closed_peer_is_a_lost_connection() -> None:
    ours, theirs = socket.socketpair()
    theirs.close()
    client = ChannelClient(Channel(ours))

    with pytest.raises(WorkerConnectionLostError):
        client.get_variable("x")
    ours.close()


def test_a_connection_queues_what_the_socket_cannot_take_yet() -> None:
    ours, theirs = socket.socketpair()
    connection = Connection(ours)
    big = "x" * (8 << 20)

    connection.send({"kind": "big", "text": big})
    assert connection.wants_write
    received: list[dict[str, Any] | None] = []
    reader = threading.Thread(target=lambda: received.append(Channel(theirs).receive()))
    reader.start()
    while connection.wants_write:
        connection.flush()
    reader.join(timeout=10)

    assert received[0] is not None and received[0]["text"] == big
    ours.close()
    theirs.close()


def test_a_connection_reports_the_end_of_the_stream_after_the_last_messages() -> None:
    ours, theirs = socket.socketpair()
    connection = Connection(ours)
    Channel(theirs).send({"kind": "last"})
    theirs.close()

    assert connection.receive() == [{"kind": "last"}]
    assert connection.eof
    connection.close()


# -- masking -----------------------------------------------------------------------------------


def test_the_masker_hides_each_secret_and_leaves_short_values_alone() -> None:
    masker = Masker()
    masker.add("s3cr3t-value")
    masker.add("s3cr3t-value-longer")
    masker.add("abc")

    assert masker.mask("a s3cr3t-value-longer and s3cr3t-value, abc") == "a *** and ***, abc"


def test_values_under_sensitive_keys_are_masked_at_any_depth() -> None:
    masker = Masker()
    masker.add_sensitive_items({"db": {"Password": "pw-123456", "host": "db.example"}})

    assert masker.mask("pw-123456 at db.example") == "*** at db.example"


def test_log_lines_and_tracebacks_are_masked() -> None:
    masker = Masker()
    masker.add("token-abcdef")
    formatter = MaskingFormatter(masker, "%(message)s")
    try:
        raise ValueError("bad token-abcdef")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, "f", 1, "using %s", ("token-abcdef",), None)
        record.exc_info = sys.exc_info()

    text = formatter.format(record)
    assert "token-abcdef" not in text
    assert text.startswith("using ***") and "ValueError: bad ***" in text


class _Variables:
    """The variable and connection lookups of an execution client."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get_variable(self, key: str) -> str | None:
        return self.values.get(key)

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        return {"host": "db.example", "password": "conn-pass-1", "extra": '{"api_key": "k-98765"}'}


def test_the_masking_client_registers_secret_variables_and_connection_passwords() -> None:
    masker = Masker()
    client = MaskingClient(
        _Variables(  # type: ignore[arg-type]
            {"db_password": "pw-123456", "region": "eu-north", "cfg": '{"token": "t-55555"}'}
        ),
        masker,
    )
    for key in ("db_password", "region", "cfg"):
        client.get_variable(key)
    client.get_connection("db")

    assert masker.mask("pw-123456 eu-north t-55555 conn-pass-1 k-98765 db.example") == (
        "*** eu-north *** *** *** db.example"
    )
