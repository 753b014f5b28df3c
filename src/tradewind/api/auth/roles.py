"""Roles, what each may do, and the per-DAG ``access_control`` that narrows it.

Four roles, each able to do everything of the one before it:

========  =================================================================================
Viewer    read DAGs, runs, task instances, tasks, sources and pools
User      also pause, trigger, clear, mark and delete runs and DAGs
Op        also read and manage variables and connections, and manage pools
Admin     also manage users; ignores a DAG's ``access_control``
========  =================================================================================

A DAG may name which roles see and change it, as in Airflow::

    DAG(..., access_control={"User": {"can_read", "can_edit"}, "Viewer": {"can_read"}})

When set, a role other than Admin that it does not name cannot see the DAG at all, one named
with ``can_read`` only can see it but not change it, and deleting the DAG needs
``can_delete``. It narrows what the role may do, never widens it: a Viewer named with
``can_edit`` still cannot trigger. Airflow's nested form (``{"Role": {"DAGs": {...},
"DAG Runs": {...}}}``) is read too: every permission named under any resource counts, and
``can_create`` (of DAG runs) counts as ``can_edit``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tradewind.api.auth.errors import NotAuthorizedError


class Role(StrEnum):
    ADMIN = "Admin"
    OP = "Op"
    USER = "User"
    VIEWER = "Viewer"

    def __str__(self) -> str:
        return self.value


class Permission(StrEnum):
    """One thing a role may do; the value reads as the message's verb phrase."""

    DAGS_READ = "read DAGs"
    DAGS_EDIT = "pause and unpause DAGs"
    DAGS_DELETE = "delete DAGs"
    RUNS_TRIGGER = "trigger DAG runs"
    RUNS_EDIT = "change, mark and clear DAG runs"
    RUNS_DELETE = "delete DAG runs"
    TASKS_EDIT = "mark and clear task instances"
    VARIABLES_READ = "read variables"
    CONNECTIONS_READ = "read connections"
    VARIABLES_MANAGE = "manage variables"
    CONNECTIONS_MANAGE = "manage connections"
    POOLS_MANAGE = "manage pools"
    USERS_MANAGE = "manage users"

    def __str__(self) -> str:
        return self.value


_VIEWER = frozenset({Permission.DAGS_READ})
_USER = _VIEWER | {
    Permission.DAGS_EDIT,
    Permission.DAGS_DELETE,
    Permission.RUNS_TRIGGER,
    Permission.RUNS_EDIT,
    Permission.RUNS_DELETE,
    Permission.TASKS_EDIT,
}
_OP = _USER | {
    # As Airflow's default roles: variables and connections may hold secrets, so only Op
    # and Admin see them; every role reads pools (any authenticated user may).
    Permission.VARIABLES_READ,
    Permission.CONNECTIONS_READ,
    Permission.VARIABLES_MANAGE,
    Permission.CONNECTIONS_MANAGE,
    Permission.POOLS_MANAGE,
}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.USER: frozenset(_USER),
    Role.OP: frozenset(_OP),
    Role.ADMIN: frozenset(Permission),
}


def parse_role(name: str) -> Role:
    """The role named ``name`` (case-insensitive); raises ``ValueError`` naming the roles."""
    for role in Role:
        if role.value.lower() == name.strip().lower():
            return role
    raise ValueError(
        f"There is no role {name!r}; the roles are {', '.join(role.value for role in Role)}."
    )


@dataclass(frozen=True, slots=True)
class AuthUser:
    """The caller of a request, as authentication found it."""

    id: int
    username: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise NotAuthorizedError(
                f"User {self.username!r} has the role {self.role}, which may not {permission}."
            )


# -- a DAG's access_control -----------------------------------------------------------------------

#: role name (lower case) → the DAG permissions it is given (``can_read``, ``can_edit``, …).
DagAcl = Mapping[str, frozenset[str]]

_PERMISSION_NAME = re.compile(r"can_[a-z_]+")

#: What each permission of the API needs a DAG's ``access_control`` to name for the role.
_DAG_NEEDS: Mapping[Permission, frozenset[str]] = {
    Permission.DAGS_READ: frozenset({"can_read", "can_edit", "can_delete"}),
    Permission.DAGS_EDIT: frozenset({"can_edit"}),
    Permission.RUNS_TRIGGER: frozenset({"can_edit"}),
    Permission.RUNS_EDIT: frozenset({"can_edit"}),
    Permission.RUNS_DELETE: frozenset({"can_edit", "can_delete"}),
    Permission.TASKS_EDIT: frozenset({"can_edit"}),
    Permission.DAGS_DELETE: frozenset({"can_delete"}),
}


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        # Sets in a DagSpec serialize through str(): "{'can_read', 'can_edit'}".
        return set(_PERMISSION_NAME.findall(value))
    if isinstance(value, Mapping):
        names: set[str] = set()
        for item in value.values():
            names |= _names(item)
        return names
    if isinstance(value, list | tuple | set | frozenset):
        return {item for item in value if isinstance(item, str)}
    return set()


def parse_access_control(access_control: Mapping[str, Any] | None) -> DagAcl | None:
    """A DAG's ``access_control`` as role → permission names; None when it sets none."""
    if not access_control:
        return None
    acl: dict[str, frozenset[str]] = {}
    for role, value in access_control.items():
        names = _names(value)
        if "can_create" in names:
            names.add("can_edit")
        acl[str(role).lower()] = frozenset(names)
    return acl


def dag_allows(user: AuthUser, acl: DagAcl | None, permission: Permission) -> bool:
    """Whether the DAG's access control lets ``user`` do ``permission`` to it.

    The role's own permissions are checked apart (:meth:`AuthUser.require`).
    """
    if acl is None or user.role is Role.ADMIN:
        return True
    needed = _DAG_NEEDS.get(permission)
    if needed is None:
        return True
    return bool(acl.get(user.role.value.lower(), frozenset()) & needed)
