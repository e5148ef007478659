"""A realm's signing keys rotated at the provider while the app runs: no restart needed.

Keycloak's key states: an active key signs and verifies, a passive one (active off) is
still published and verifies, a disabled one is no longer published. The app counts its
own calls to the provider (``provider_calls``), so the key fetches counted here are the
app's, whatever the provider.
"""

from __future__ import annotations

import jwt
import pytest
from example.idp import seed

from eha_auth.oidc import jwks
from eha_auth.oidc.client import provider_calls
from tests.eha_auth.conftest import SERVICE

pytestmark = pytest.mark.django_db
REALM = "alpha"
WHOAMI = f"/{REALM}/{SERVICE}/whoami/"


@pytest.fixture
def rotate(provider):
    """Rotate the realm's signing key; afterwards only the newest key stays published."""
    replaced = []

    def rotate_key(current_kid: str) -> str:
        replaced.append(current_kid)
        return provider.rotate_key(REALM)

    yield rotate_key
    for kid in replaced:  # other tests expect one published key
        provider.disable_key(REALM, kid)


@pytest.fixture(autouse=True)
def verify_every_request(settings):
    """Every request verifies its token against the cached keys: none is remembered."""
    settings.KEYCLOAK_TOKEN_CACHE_SECONDS = 0


def token(provider) -> str:
    return provider.access_token(REALM, "alice", client_id=seed.PUBLIC_CLIENT_ID)


def kid_of(value: str) -> str:
    return jwt.get_unverified_header(value)["kid"]


def status(client, value: str) -> int:
    return client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=value).status_code


def key_fetches() -> int:
    return provider_calls["certs"]


def test_a_token_of_a_new_key_passes_after_one_key_fetch(client, provider, rotate):
    old = token(provider)
    assert status(client, old) == 200
    new_kid = rotate(kid_of(old))
    new = token(provider)
    assert kid_of(new) == new_kid != kid_of(old)
    before = key_fetches()
    assert status(client, new) == 200
    assert key_fetches() - before == 1
    assert status(client, old) == 200 and status(client, new) == 200  # the old key stays
    assert key_fetches() - before == 1


def test_a_passive_key_still_verifies_its_tokens(client, provider, rotate):
    old = token(provider)
    assert status(client, old) == 200
    rotate(kid_of(old))
    provider.deactivate_key(REALM, kid_of(old))
    assert status(client, token(provider)) == 200  # keys fetched after the old one went passive
    assert kid_of(old) in jwks.key_set(REALM)
    assert status(client, old) == 200


def test_a_disabled_keys_tokens_are_refused_once_the_keys_are_fetched_again(
        client, provider, rotate):
    old = token(provider)
    assert status(client, old) == 200
    rotate(kid_of(old))
    provider.disable_key(REALM, kid_of(old))
    assert status(client, old) == 200  # still in the cached keys (KEYCLOAK_JWKS_CACHE_SECONDS)
    assert status(client, token(provider)) == 200  # a new kid: the keys are fetched again
    assert kid_of(old) not in jwks.key_set(REALM)
    before = key_fetches()
    assert status(client, old) == 401
    assert key_fetches() - before <= 1  # an unknown kid: one more fetch at most
