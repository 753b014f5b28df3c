"""``tradewind users create | list | delete | reset-password``: who may use the REST API.

As Airflow's ``airflow users``: ``--username``/``-u`` names the user, ``--role``/``-r`` is one
of Admin, Op, User, Viewer. Without ``--password`` the password is asked for (twice, hidden);
``--use-random-password`` generates one and prints it once.
"""

from __future__ import annotations

import secrets

import click

from tradewind.cli.metadata import open_metadata
from tradewind.cli.output import output_option, print_rows, reported_errors

_ROLES = ("Admin", "Op", "User", "Viewer")
_COLUMNS = ("id", "username", "role", "email", "first_name", "last_name", "is_active", "created_at")


def register(group: click.Group) -> None:
    for command in (create, list_users, delete, reset_password):
        group.add_command(command)


def _password(password: str | None, use_random: bool) -> tuple[str, bool]:
    """(the password, whether it was generated)."""
    if password is not None and use_random:
        raise click.UsageError("Give --password or --use-random-password, not both.")
    if use_random:
        return secrets.token_urlsafe(18), True
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(password), False


_username = click.option("--username", "-u", required=True, help="The user's login name.")
_password_option = click.option(
    "--password", "-p", help="The password (asked for, hidden, when left out)."
)
_random_option = click.option(
    "--use-random-password", is_flag=True, help="Generate a password and print it once."
)


@click.command()
@_username
@click.option(
    "--role",
    "-r",
    required=True,
    type=click.Choice(_ROLES, case_sensitive=False),
    help="What the user may do: Viewer reads; User also triggers, clears and marks; Op also "
    "manages variables, connections and pools; Admin also manages users.",
)
@_password_option
@_random_option
@click.option("--email", "-e", help="The user's e-mail address.")
@click.option("--firstname", "-f", help="The user's first name.")
@click.option("--lastname", "-l", help="The user's last name.")
def create(
    username: str,
    role: str,
    password: str | None,
    use_random_password: bool,
    email: str | None,
    firstname: str | None,
    lastname: str | None,
) -> None:
    """Create a user of the REST API."""
    from tradewind.api.auth import users

    secret, generated = _password(password, use_random_password)
    with open_metadata() as metadata, reported_errors(), metadata.sessions.begin() as session:
        row = users.create_user(
            session,
            username=username,
            password=secret,
            role=role,
            email=email,
            first_name=firstname,
            last_name=lastname,
        )
        created_role = row.role
    click.echo(f"User {username!r} created with the role {created_role}.")
    if generated:
        click.echo(f"Its password: {secret}")


@click.command("list")
@output_option
def list_users(output: str) -> None:
    """List the users of the REST API (never their passwords)."""
    from tradewind.storage.repos import users as user_repo

    with open_metadata() as metadata, metadata.sessions() as session:
        rows = [
            {column: getattr(row, column) for column in _COLUMNS}
            for row in user_repo.list_users(session=session)
        ]
    print_rows(rows, output, columns=_COLUMNS, empty="No users yet: `tradewind users create`.")


@click.command()
@_username
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def delete(username: str, yes: bool) -> None:
    """Delete a user; its access tokens stop working."""
    from tradewind.api.auth import users

    if not yes:
        click.confirm(f"Delete the user {username!r}?", abort=True)
    with open_metadata() as metadata, reported_errors(), metadata.sessions.begin() as session:
        users.delete_user(session, username)
    click.echo(f"User {username!r} deleted.")


@click.command("reset-password")
@_username
@_password_option
@_random_option
def reset_password(username: str, password: str | None, use_random_password: bool) -> None:
    """Give a user a new password; the tokens issued before stop working."""
    from tradewind.api.auth import users

    secret, generated = _password(password, use_random_password)
    with open_metadata() as metadata, reported_errors(), metadata.sessions.begin() as session:
        users.reset_password(session, username, secret)
    click.echo(f"Password of {username!r} changed.")
    if generated:
        click.echo(f"Its new password: {secret}")
