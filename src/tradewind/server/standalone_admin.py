"""The ``admin`` user that ``standalone`` creates on its first start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tradewind.api.auth.users import create_user
from tradewind.server.specs import SessionFactory
from tradewind.storage.repos import users as user_repo

ADMIN_USERNAME = "admin"
PASSWORD_FILE = "standalone_password.txt"


def ensure_admin(factory: SessionFactory, home: Path) -> str | None:
    """Create ``admin`` with a random password if it does not exist; returns that password.

    The password alone, on one line, is written to ``$TRADEWIND_HOME/standalone_password.txt``
    (mode 600), so it survives the terminal that printed it.
    """
    with factory() as session:
        if user_repo.get_user_by_name(session=session, username=ADMIN_USERNAME) is not None:
            return None
        password = secrets.token_urlsafe(16)
        create_user(session, username=ADMIN_USERNAME, password=password, role="Admin")
        session.commit()
    path = home / PASSWORD_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)
    return password
