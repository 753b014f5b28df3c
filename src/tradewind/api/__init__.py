"""The REST API: Airflow 3's public ``/api/v2`` (paths, parameters, field names, pagination).

``app.create_app(settings, session_factory)`` builds the FastAPI application. ``routers``
holds one module per resource, ``schemas`` the request and response models (``…Create``,
``…Patch``, ``…Read``, ``…CollectionRead``), ``errors`` the one mapping from Tradewind's
errors to HTTP statuses, ``deps`` what every request gets (its session, its user) and
``auth`` the users, roles, passwords, tokens and the login throttle.

The API reads and writes the metadata database through ``storage`` and changes states only
through ``server.triggering`` and ``server.run_operations`` (rules of ``core.transitions``);
it never imports user code.
"""
