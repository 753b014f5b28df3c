"""``GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}``:
the log of one try (``map_index`` in the query for a mapped instance).

With ``Accept: application/json`` (or none) the answer is a page of the log as structured
messages and a ``continuation_token``: passing it back as ``token`` returns what was written
since, so a client follows a running try by asking again; it is null once the try has ended
and everything was read. A page holds at most 1 MiB unless ``full_content`` is true.

With ``Accept: application/x-ndjson`` (one message per line) or ``text/plain`` (the log as
written) the log is streamed: while the try runs, the response stays open and new lines are
sent as they are written, until the try ends (or an hour has passed: the last message then
carries a ``continuation_token`` to ask again with).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import get_run_row
from tradewind.api.params import MapIndexQuery, TryNumberPath
from tradewind.api.routers._media import JSON, NDJSON, TEXT, negotiate
from tradewind.api.schemas.logs import StructuredLogMessageRead, TaskInstancesLogRead
from tradewind.contracts.log_files import parse_log_line
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.server import task_logs
from tradewind.storage.repos import task_instances as ti_repo

router = APIRouter(prefix="/api/v2", tags=["Task Instance"])

_PREFIX = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"

#: How often a stream looks for new lines and whether the try has ended.
POLL_INTERVAL = 0.25
#: How long one stream follows a try before it asks the client to ask again.
MAX_STREAM_SECONDS = 3600.0

_STREAM_EXAMPLE = {
    NDJSON: {
        "schema": {"type": "string"},
        "example": '{"event": "Hello", "timestamp": "2024-05-01T12:00:00.123000Z"}\n',
    },
    TEXT: {
        "schema": {"type": "string"},
        "example": "[2024-05-01T12:00:00.123Z] {tradewind.task} INFO - Hello\n",
    },
}


# -- continuation tokens -------------------------------------------------------------------------


def encode_token(offset: int) -> str:
    """A token for "the log from byte ``offset`` on" (not secret: it only says where to go on)."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str | None) -> int:
    """The offset a token stands for; 0 without one, and a 400 for one the API did not make."""
    if not token:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=="))
        offset = payload["offset"]
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
        offset = None
    if type(offset) is not int or not 0 <= offset < 2**62:
        raise HTTPException(
            400,
            "The token is not a continuation_token this API returned: pass back the last "
            "answer's continuation_token unchanged, or leave token out to read from the start.",
        )
    return offset


# -- finding the try -----------------------------------------------------------------------------


def _try_key(
    state: ApiState,
    session: Session,
    user: AuthUser,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int,
    try_number: int,
) -> TaskInstanceKey:
    """The try, if the user may read its DAG: 404 naming what is missing otherwise."""
    state.access.require(session, user, dag_id, Permission.DAGS_READ)
    ti = ti_repo.get_task_instance(
        session=session, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index
    )
    if ti is None:
        get_run_row(session, dag_id, run_id)
        raise HTTPException(
            404,
            f"Run {run_id!r} of DAG {dag_id!r} has no instance of task {task_id!r} at map index "
            f"{map_index}; a mapped task's instances need map_index=0, 1, … in the query.",
        )
    if not 1 <= try_number <= ti.try_number:
        tries = (
            "it has not run yet"
            if ti.try_number < 1
            else f"its tries are 1 to {ti.try_number}"
            if ti.try_number > 1
            else "it has had only try 1"
        )
        raise HTTPException(
            404, f"Task {task_id!r} of run {run_id!r} has no try {try_number}: {tries}."
        )
    return TaskInstanceKey(dag_id, run_id, task_id, map_index, try_number)


# -- the answer's forms --------------------------------------------------------------------------


def _messages(text: str) -> list[dict[str, Any]]:
    """Log text → Airflow's structured messages, one per line."""
    messages = []
    for raw in text.splitlines():
        line = parse_log_line(raw)
        message: dict[str, Any] = {"event": line.message, "timestamp": line.timestamp}
        if line.level is not None:
            message["level"] = line.level
            message["logger"] = line.logger
        messages.append(message)
    return messages


def _ndjson(messages: Iterable[dict[str, Any]]) -> str:
    return "".join(StructuredLogMessageRead(**m).model_dump_json() + "\n" for m in messages)


async def _stream(follower: task_logs.LogFollower, media_type: str) -> AsyncIterator[str]:
    try:
        async for text in task_logs.follow_async(
            follower, poll_interval=POLL_INTERVAL, max_seconds=MAX_STREAM_SECONDS
        ):
            yield _ndjson(_messages(text)) if media_type == NDJSON else text
    except task_logs.LogUnreadableError as error:
        yield _ndjson([{"event": str(error)}]) if media_type == NDJSON else f"{error}\n"
        return
    if not follower.ended:
        note = (
            f"The try still runs, but this stream stops after {MAX_STREAM_SECONDS:.0f} s: ask "
            "again with token=<continuation_token> to go on."
        )
        token = encode_token(follower.offset)
        if media_type == NDJSON:
            yield _ndjson([{"event": note, "continuation_token": token}])
        else:
            yield f"{note} continuation_token={token}\n"


@router.get(
    _PREFIX + "/{task_id}/logs/{try_number}",
    response_model=TaskInstancesLogRead,
    summary="Get Log",
    responses={**error_responses(404, 406), 200: {"content": _STREAM_EXAMPLE}},
)
def get_log(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    try_number: TryNumberPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
    full_content: bool = False,
    map_index: MapIndexQuery = -1,
    token: Annotated[str | None, Query(max_length=1000)] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Any:
    """The log of try ``try_number`` of a task instance: a page of it, or a stream."""
    media_type = negotiate(accept, (JSON, NDJSON, TEXT))
    offset = decode_token(token)
    key = _try_key(state, session, user, dag_id, dag_run_id, task_id, map_index, try_number)
    folder = task_logs.logs_folder(state.settings)
    file = task_logs.LogFile(task_logs.log_location(session=session, folder=folder, key=key))
    try_on = task_logs.try_is_on(session=session, key=key)
    session.close()  # a stream may last long: hold no transaction meanwhile
    if media_type != JSON:
        is_on = task_logs.session_check(state.session_factory, key)
        follower = task_logs.LogFollower(file, is_on, offset=offset)
        return StreamingResponse(_stream(follower, media_type), media_type=media_type)
    try:
        chunk = task_logs.read_log(
            file, offset, try_on=try_on, limit=None if full_content else task_logs.CHUNK_BYTES
        )
        messages = _messages(chunk.text)
        if not messages and offset == 0 and not try_on and not file.exists():
            messages = [
                {
                    "event": f"There is no log at {file.location}: the try may have run on "
                    "another machine, or its log was removed."
                }
            ]
    except task_logs.LogUnreadableError as error:
        return TaskInstancesLogRead(content=[StructuredLogMessageRead(event=str(error))])
    return TaskInstancesLogRead(
        content=[StructuredLogMessageRead(**message) for message in messages],
        continuation_token=None if chunk.end_of_log else encode_token(chunk.next_offset),
    )
