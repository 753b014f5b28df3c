"""One router per resource of ``/api/v2`` (and ``/auth`` for tokens)."""
