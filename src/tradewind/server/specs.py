"""DagSpecs of recorded DAG versions, read from the database once and kept."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.storage.repos import dags as dag_repo


class SpecCache:
    """(dag_id, version hash) → DagSpec; versions never change once recorded."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], DagSpec] = {}

    def get(self, session: Session, dag_id: str, version_hash: str | None) -> DagSpec | None:
        """The spec of this version of the DAG (None: its latest version)."""
        if version_hash is None:
            version_hash = dag_repo.get_latest_version_hash(session=session, dag_id=dag_id)
            if version_hash is None:
                return None
        spec = self._specs.get((dag_id, version_hash))
        if spec is not None:
            return spec
        row = dag_repo.get_dag_version(session=session, dag_id=dag_id, version_hash=version_hash)
        if row is None:
            return None
        spec = DagSpec.from_stored(row.spec_json, row.version_hash)
        self._specs[(dag_id, row.version_hash)] = spec
        return spec

    def latest(self, session: Session, dag_id: str) -> DagSpec | None:
        """The spec of the DAG's latest version; only its hash is read once it is known."""
        return self.get(session, dag_id, None)


SessionFactory = Callable[[], Session]
