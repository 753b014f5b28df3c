"""The metadata store: runs, task instances, tries, XCom, DAGs and what users manage.

``base.RunStore`` is what the engine needs; ``memory.MemoryStore`` backs ``dags test`` and
``sql_store.SqlStore`` backs servers. ``rows`` holds the tables, ``repos`` one module of
functions per aggregate, ``migrations`` the Alembic revisions (run by ``migrate``), and
``engine`` builds engines and sessions from the ``[database]`` settings.
"""
