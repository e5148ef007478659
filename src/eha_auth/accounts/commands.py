"""Shared parts of the setup_admin and create_user commands."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import CommandError

from ..models import ApiToken, token_digest


def read_password(options: dict, env_name: str, *, required: bool) -> str | None:
    """Return the password from -p, else the environment variable, else a prompt."""
    password = options.get("password") or os.environ.get(options.get("password_env") or env_name)
    if password:
        return password
    if options.get("interactive", True) and sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return password or None
    if required:
        raise CommandError(f"No password: give -p, set {options.get('password_env') or env_name}"
                           ", or run in a terminal to be asked.")
    return None


def ensure_token(user, key: str | None) -> bool:
    """Give ``user`` the API token ``key`` unless they have it; return whether one was made."""
    if not key:
        return False
    if len(key) < 20:
        raise CommandError("The token must be at least 20 characters long.")
    existing = ApiToken.objects.filter(digest=token_digest(key)).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise CommandError("That token already belongs to another user.")
        return False
    ApiToken.create_for(user, name="command", key=key)
    return True


def add_password_arguments(parser, env_name: str) -> None:
    parser.add_argument("-p", "--password", help=f"the password (or set {env_name})")
    parser.add_argument("--password-env", default=env_name,
                        help=f"environment variable holding the password (default {env_name})")
    parser.add_argument("--no-input", action="store_false", dest="interactive",
                        help="never prompt for a password")
    parser.add_argument("-t", "--token", help="an API token key to give the user")
