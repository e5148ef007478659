"""Gateway tokens as a real Keycloak issues them, its clients as the Keycloak setup page shows."""

from __future__ import annotations

import logging

import pytest
from example.idp import seed

from tests.eha_auth.conftest import SERVICE

pytestmark = pytest.mark.django_db
WHOAMI = f"/alpha/{SERVICE}/whoami/"


def test_front_end_client_token_with_the_audience_mapper_is_accepted(client, provider):
    token = provider.access_token("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token)
    assert answer.status_code == 200 and answer.json()["user"] == "alpha__alice"


def refusal(caplog) -> str:
    """The gateway's log line about the refused token (the token itself is never logged)."""
    lines = [record.getMessage() for record in caplog.records
             if record.name == "eha_auth.gateway" and record.levelno >= logging.INFO]
    assert len(lines) == 1, lines
    return lines[0]


def test_token_of_a_client_without_the_audience_mapper_is_refused(client, provider, caplog):
    token = provider.access_token("alpha", "alice", client_id="other")
    with caplog.at_level(logging.INFO, logger="eha_auth.gateway"):
        answer = client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token)
    assert answer.status_code == 401 and 'error="invalid_token"' in answer["WWW-Authenticate"]
    assert ("token of client 'other' has aud ['account'] without 'eha': add an Audience "
            "mapper for 'eha' to client 'other' (README, Keycloak setup)") in refusal(caplog)


def test_token_of_a_client_that_is_not_an_authorized_party_is_refused(client, provider, caplog):
    token = provider.access_token("alpha", "alice", client_id="rogue")
    with caplog.at_level(logging.INFO, logger="eha_auth.gateway"):
        assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token).status_code == 401
    assert refusal(caplog).endswith(": client 'rogue' is not in KEYCLOAK_AUTHORIZED_PARTIES")


def test_token_of_another_realm_is_refused(client, provider):
    token = provider.access_token("beta", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=token).status_code == 401


def test_id_and_refresh_tokens_are_not_access_tokens(client, provider):
    tokens = provider.tokens("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    for kind in ("id_token", "refresh_token"):
        assert client.get(WHOAMI, HTTP_X_OAUTH_TOKEN=tokens[kind]).status_code == 401
