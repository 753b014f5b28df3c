"""The bulk routes' actions, applied the same way to variables, connections and pools.

A bulk body (:mod:`tradewind.api.schemas.bulk`) holds actions; each creates, updates or
deletes entities named by a key (a variable's key, a connection's id, a pool's name). An
action applies whole or not at all: it runs in a savepoint, and whatever refuses it (a
taken or missing key with ``fail``, a key named twice, a value the resource or the database
refuses) rolls back what it had written and is reported in the action's ``errors``. The
actions that apply are kept. Each router describes its resource with a :class:`BulkResource`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from tradewind.api.errors import status_of
from tradewind.api.schemas.bulk import BulkActionRead, BulkCreate, BulkDelete, BulkRead, BulkUpdate
from tradewind.errors import TradewindError

E = TypeVar("E", bound=BaseModel)

BulkAction = BulkCreate[Any] | BulkUpdate[Any] | BulkDelete[Any]


@dataclass(frozen=True)
class BulkResource(Generic[E]):
    """How the bulk actions reach one kind of resource. A write refuses by raising
    ``HTTPException`` or a ``TradewindError`` (its action is then rolled back)."""

    #: The resource in messages, plural: ``variables``.
    noun: str
    #: Its key in messages, plural: ``keys``.
    key_name: str
    key: Callable[[E], str]
    #: Which of these keys exist.
    existing: Callable[[Session, list[str]], set[str]]
    create: Callable[[Session, E], None]
    #: Create's entity on a key that exists (``action_on_existence: overwrite``).
    overwrite: Callable[[Session, E], None]
    #: An update action's entity, with the action's ``update_mask``.
    update: Callable[[Session, E, list[str] | None], None]
    delete: Callable[[Session, str], None]


def apply_bulk(
    session: Session, actions: Sequence[BulkAction], resource: BulkResource[Any]
) -> BulkRead:
    """Apply each action in turn and commit those that apply; the answer has one result per
    kind of action (``create``, ``update``, ``delete``)."""
    result = BulkRead()
    for action in actions:
        outcome = getattr(result, action.action) or BulkActionRead()
        setattr(result, action.action, outcome)
        try:
            with session.begin_nested():
                done = _apply(session, action, resource)
        except HTTPException as error:
            outcome.errors.append({"error": error.detail, "status_code": error.status_code})
        except TradewindError as error:
            outcome.errors.append({"error": str(error), "status_code": status_of(error)})
        except DataError as error:
            outcome.errors.append(
                {"error": f"The database refused a value: {_reason(error)}", "status_code": 400}
            )
        except IntegrityError as error:
            outcome.errors.append(
                {
                    "error": f"The action conflicts with the stored {resource.noun}: "
                    f"{_reason(error)}",
                    "status_code": 409,
                }
            )
        else:
            outcome.success.extend(done)
    session.commit()
    return result


def _reason(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _key(resource: BulkResource[Any], entity: Any) -> str:
    return entity if isinstance(entity, str) else resource.key(entity)


def _apply(session: Session, action: BulkAction, resource: BulkResource[Any]) -> list[str]:
    """Apply one action; the keys it changed."""
    keys = [_key(resource, entity) for entity in action.entities]
    twice = sorted(key for key, count in Counter(keys).items() if count > 1)
    if twice:
        raise HTTPException(
            400, f"The action names these {resource.key_name} more than once: {twice}."
        )
    existing = resource.existing(session, keys)
    if isinstance(action, BulkCreate):
        return _create(session, action, resource, existing)
    missing = [key for key in keys if key not in existing]
    if missing and action.action_on_non_existence == "fail":
        raise HTTPException(
            404,
            f"The {resource.noun} with these {resource.key_name} were not found: {missing}; "
            'send "action_on_non_existence": "skip" to leave them out.',
        )
    done = []
    for key, entity in zip(keys, action.entities, strict=True):
        if key not in existing:
            continue
        if isinstance(action, BulkUpdate):
            resource.update(session, entity, action.update_mask)
        else:
            resource.delete(session, key)
        done.append(key)
    return done


def _create(
    session: Session, action: BulkCreate[Any], resource: BulkResource[Any], existing: set[str]
) -> list[str]:
    taken = [key for entity in action.entities if (key := resource.key(entity)) in existing]
    if taken and action.action_on_existence == "fail":
        raise HTTPException(
            409,
            f"The {resource.noun} with these {resource.key_name} already exist: {taken}; send "
            '"action_on_existence": "skip" or "overwrite" to keep or replace them.',
        )
    done = []
    for entity in action.entities:
        key = resource.key(entity)
        if key not in existing:
            resource.create(session, entity)
        elif action.action_on_existence == "overwrite":
            resource.overwrite(session, entity)
        else:
            continue
        done.append(key)
    return done
