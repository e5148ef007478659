"""Who a token's user is: the provider account (realm and ``sub``), not its current name.

OpenID Connect Core section 5.7: only ``iss`` and ``sub`` are stable. Each test makes its
own user at the provider, so renaming or deleting it leaves the seeded users alone.
"""

from __future__ import annotations

import logging
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from example.idp import seed

from eha_auth.models import OidcIdentity
from tests.eha_auth.conftest import SERVICE

pytestmark = pytest.mark.django_db
WHOAMI = f"/alpha/{SERVICE}/whoami/"
ITEMS = "/api/items/"


def new_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def token_of(provider, username: str, password_of: str | None = None) -> str:
    """A gateway token (the front end's client) of a user whose password was set for a name."""
    return provider.access_token("alpha", username, client_id=seed.PUBLIC_CLIENT_ID,
                                 password=seed.password("alpha", password_of or username))


def gateway_user(client, token: str) -> tuple[int, str | None]:
    answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token)
    return answer.status_code, answer.json()["user"] if answer.status_code == 200 else None


def local_user(username: str):
    return get_user_model().objects.get(username=username)


def test_a_user_is_linked_to_their_provider_account(client, provider):
    name = new_name("link")
    sub = provider.create_user("alpha", name)
    assert gateway_user(client, token_of(provider, name)) == (200, f"alpha__{name}")
    identity = OidcIdentity.objects.get(realm="alpha", user=local_user(f"alpha__{name}"))
    assert identity.sub == sub


def test_a_returning_user_costs_no_query(client, provider):
    name = new_name("back")
    provider.create_user("alpha", name)
    assert gateway_user(client, token_of(provider, name))[0] == 200
    token = token_of(provider, name)  # a new token, the same claims
    with CaptureQueriesContext(connection) as queries:
        assert gateway_user(client, token) == (200, f"alpha__{name}")
    assert len(queries) == 0, [query["sql"] for query in queries.captured_queries]


def test_a_user_renamed_at_the_provider_keeps_their_account(client, provider):
    name, renamed = new_name("old"), new_name("new")
    provider.create_user("alpha", name)
    assert gateway_user(client, token_of(provider, name)) == (200, f"alpha__{name}")
    before = local_user(f"alpha__{name}")
    provider.rename_user("alpha", name, renamed)
    assert gateway_user(client, token_of(provider, renamed, name)) == (200, f"alpha__{renamed}")
    assert local_user(f"alpha__{renamed}").pk == before.pk
    assert not get_user_model().objects.filter(username=f"alpha__{name}").exists()


def test_a_rename_to_a_name_another_local_user_has_keeps_the_old_username(
        client, provider, caplog):
    name, renamed = new_name("keep"), new_name("taken")
    provider.create_user("alpha", name)
    assert gateway_user(client, token_of(provider, name)) == (200, f"alpha__{name}")
    other = get_user_model().objects.create_user(f"alpha__{renamed}")  # made here, not linked
    provider.rename_user("alpha", name, renamed)
    with caplog.at_level(logging.WARNING, logger="eha_auth.oidc"):
        assert gateway_user(client, token_of(provider, renamed, name)) == (200, f"alpha__{name}")
    assert f"the username stays alpha__{name}" in caplog.text
    assert not OidcIdentity.objects.filter(user=other).exists()


def test_a_new_account_with_an_old_name_does_not_get_the_old_account(client, provider, caplog):
    name = new_name("again")
    provider.create_user("alpha", name)
    assert gateway_user(client, token_of(provider, name)) == (200, f"alpha__{name}")
    first = local_user(f"alpha__{name}")
    provider.delete_user("alpha", name)
    provider.create_user("alpha", name)  # the same name, a new account: a new sub
    token = token_of(provider, name)
    with caplog.at_level(logging.WARNING, logger="eha_auth.oidc"):
        assert gateway_user(client, token) == (401, None)
        bearer = client.get(ITEMS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.status_code == 401
    assert "belongs to another account at the provider" in caplog.text
    assert list(get_user_model().objects.filter(username=f"alpha__{name}")) == [first]
    assert OidcIdentity.objects.filter(user=first).count() == 1


def test_a_user_made_before_accounts_were_linked_is_linked_by_name(client, provider):
    name = new_name("legacy")
    sub = provider.create_user("alpha", name)
    existing = get_user_model().objects.create_user(f"alpha__{name}")  # no link yet
    assert gateway_user(client, token_of(provider, name)) == (200, f"alpha__{name}")
    assert OidcIdentity.objects.get(realm="alpha", sub=sub).user == existing
