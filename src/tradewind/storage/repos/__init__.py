"""Repositories: one module per aggregate, plain functions over a session.

The session is passed in, keyword-only; no function commits (the caller owns the
transaction); queries work on sets. Functions named ``list_…_to_…`` that a scheduler uses
to claim work lock the rows they return with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several schedulers never claim the same row (SQLite runs one scheduler).
"""
