"""Which DAGs a user may see and change, from each DAG's latest ``access_control``.

The access control of a DAG version never changes, so it is parsed once per version and
kept; listing what a user may read costs one small query (the latest version of each DAG)
after that.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from tradewind.api.auth.errors import NotAuthorizedError
from tradewind.api.auth.roles import (
    AuthUser,
    DagAcl,
    Permission,
    Role,
    dag_allows,
    parse_access_control,
)
from tradewind.server.specs import SpecCache
from tradewind.storage.repos import listing


class DagAccess:
    def __init__(self, specs: SpecCache) -> None:
        self._specs = specs
        self._acls: dict[tuple[str, str], DagAcl | None] = {}
        self._lock = threading.Lock()

    def _acl(self, session: Session, dag_id: str, version_hash: str | None) -> DagAcl | None:
        """The access control of a version of the DAG (its latest when ``version_hash`` is None)."""
        if version_hash is None:
            latest = listing.list_latest_version_summaries(session=session, dag_ids=[dag_id])
            if dag_id not in latest:
                return None
            version_hash = str(latest[dag_id].version_hash)
        with self._lock:
            if (dag_id, version_hash) in self._acls:
                return self._acls[(dag_id, version_hash)]
        spec = self._specs.get(session, dag_id, version_hash)
        acl = None if spec is None else parse_access_control(spec.access_control)
        with self._lock:
            self._acls[(dag_id, version_hash)] = acl
        return acl

    def allows(self, session: Session, user: AuthUser, dag_id: str, permission: Permission) -> bool:
        """Whether the user's role, and the DAG's access control, allow ``permission``."""
        if not user.may(permission):
            return False
        if user.role is Role.ADMIN:
            return True
        return dag_allows(user, self._acl(session, dag_id, None), permission)

    def require(
        self, session: Session, user: AuthUser, dag_id: str, permission: Permission
    ) -> None:
        """Raise :class:`NotAuthorizedError` unless :meth:`allows`."""
        user.require(permission)
        if not self.allows(session, user, dag_id, permission):
            raise NotAuthorizedError(
                f"DAG {dag_id!r} does not let the role {user.role} {permission} (its "
                "access_control); ask an Admin, or the DAG's author, for access."
            )

    def readable_dag_ids(self, session: Session, user: AuthUser) -> set[str] | None:
        """The DAGs the user may read; None means every DAG (no filter needed)."""
        user.require(Permission.DAGS_READ)
        if user.role is Role.ADMIN:
            return None
        latest = listing.list_latest_version_hashes(session=session)
        readable = {
            dag_id
            for dag_id, version_hash in latest.items()
            if dag_allows(user, self._acl(session, dag_id, version_hash), Permission.DAGS_READ)
        }
        if len(readable) == len(latest):
            return None
        return readable
