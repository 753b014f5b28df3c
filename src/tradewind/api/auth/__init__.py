"""Who may call the API, and what each caller may do.

- ``roles``: the roles (Admin, Op, User, Viewer), what each may do, and a DAG's own
  ``access_control`` (which roles see and change that DAG).
- ``passwords``: argon2 hashes.
- ``tokens``: the signing key and the JWT access tokens of ``POST /auth/token``.
- ``throttle``: failed logins slow down, per username and client address.
- ``users``: creating, checking and changing users (the ``tradewind users`` commands).
- ``errors``: what authentication and authorization refuse.
"""
