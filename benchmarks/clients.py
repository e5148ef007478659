"""Django test clients with a fixed middleware chain, for in-process timing."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, override_settings


def client_with(**overrides) -> Client:
    """Return a Client whose handler loaded its middleware under ``overrides``.

    The handler builds its middleware chain on its first request and keeps it,
    so two clients with different MIDDLEWARE can be timed side by side.
    """
    client = Client()
    with override_settings(**overrides):
        client.get("/__warm-up__")
    return client


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def member_of_default_realm(user):
    """Put ``user`` in DEFAULT_REALM (a Group), as the demo's own users are."""
    realm = getattr(settings, "DEFAULT_REALM", "eha")
    user.groups.add(Group.objects.get_or_create(name=realm)[0])
    return user
