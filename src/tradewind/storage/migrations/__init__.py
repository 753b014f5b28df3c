"""Alembic migrations of the metadata database; run them with :mod:`tradewind.storage.migrate`.

Never edit a revision once released: add a new one (``tradewind.storage.migrate.revision``).
"""
