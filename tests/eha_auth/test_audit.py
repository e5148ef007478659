"""Audit events of eha_auth: a signal with its fields and a log line, never a secret."""

from __future__ import annotations

import base64
import logging

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from example.idp import seed

from eha_auth import audit
from eha_auth.models import ApiToken
from eha_auth.oidc import jwks
from tests.eha_auth.conftest import SERVICE
from tests.eha_auth.test_login import (
    ACCOUNTS,
    backchannel,
    login_behind_scenes,
    logout_token,
    session_tokens,
)
from tests.harness import logcheck
from tests.harness.servers import free_port

pytestmark = pytest.mark.django_db
SIGNALS = ["login_succeeded", "login_refused", "logged_out", "backchannel_logout",
           "api_token_created", "api_token_revoked", "keys_fetched"]
FIELDS = {"method", "realm", "user", "reason", "sessions", "token_name", "outcome"}


@pytest.fixture
def events(caplog):
    """Every audit signal sent during the test, as (signal name, fields)."""
    caplog.set_level(logging.INFO, logger="eha_auth.audit")
    sent: list[tuple[str, dict]] = []
    receivers = {}
    for name in SIGNALS:
        def receive(sender, signal=None, _name=name, **fields):
            sent.append((_name, fields))
        receivers[name] = receive
        getattr(audit, name).connect(receive)
    yield sent
    for name, receive in receivers.items():
        getattr(audit, name).disconnect(receive)


def audit_records(caplog) -> list[dict]:
    """The structured fields of each eha_auth.audit record."""
    return [{key: value for key, value in vars(record).items() if key in FIELDS | {"event"}}
            for record in caplog.records if record.name == "eha_auth.audit"]


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_password_login_and_logout(events, caplog, client):
    User.objects.create_user("ann", password="pw-123456-secret")
    logcheck.register("pw-123456-secret")
    assert client.login(username="ann", password="pw-123456-secret")
    client.logout()
    assert events == [
        ("login_succeeded", {"method": "password", "realm": None, "user": "ann"}),
        ("logged_out", {"realm": None, "user": "ann"}),
    ]
    assert audit_records(caplog) == [
        {"event": "login", "method": "password", "realm": None, "user": "ann"},
        {"event": "logout", "realm": None, "user": "ann"},
    ]


def test_refused_basic_login_is_one_event_per_request(events, caplog, client, more_urls):
    more_urls.MULTITENANCY = True
    User.objects.create_user("north__ann", password="pw-123456")
    logcheck.register("a-wrong-password")
    response = client.get("/north/api/whoami-basic",
                          HTTP_AUTHORIZATION=basic("ann", "a-wrong-password"))
    assert response.status_code == 401
    # Two usernames were tried (north__ann, ann): one refusal is reported.
    assert events == [("login_refused", {"method": "password", "realm": "north",
                                         "reason": "invalid credentials"})]
    (record,) = [r for r in caplog.records if r.name == "eha_auth.audit"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "login refused: method='password' realm='north' reason='invalid credentials'")


def test_unknown_api_token_and_outsider_are_refused(events, client, more_urls):
    more_urls.MULTITENANCY = True
    logcheck.register("not-a-real-token-0123456789")
    client.get("/north/api/whoami", HTTP_AUTHORIZATION="Token not-a-real-token-0123456789")
    user = User.objects.create_user("north__ann")
    user.groups.add(Group.objects.create(name="north"))
    _, key = ApiToken.create_for(user)
    logcheck.register(key)
    client.get("/south/api/whoami", HTTP_AUTHORIZATION=f"Token {key}")
    refused = [fields for name, fields in events if name == "login_refused"]
    assert refused == [
        {"method": "token", "realm": "north", "reason": "invalid token"},
        {"method": "api", "realm": "south", "reason": "not member"},
    ]


@pytest.mark.usefixtures("auth_settings")
def test_gateway_refusals_are_reported(events, caplog, client, settings, idp):
    token = idp.gateway_token("alpha", "alice")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    logcheck.register(token, tampered)
    path = f"/alpha/{SERVICE}/anything"
    assert client.get(path).status_code == 401
    reachable = settings.KEYCLOAK_SERVER_URL
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"  # nothing listens
    assert client.get(path, HTTP_X_OAUTH_TOKEN=token).status_code == 503  # no keys yet
    settings.KEYCLOAK_SERVER_URL = reachable
    assert client.get(path, HTTP_X_OAUTH_TOKEN=tampered).status_code == 401
    reasons = ["no token", "provider unavailable", "invalid token"]
    refused = [fields for name, fields in events if name == "login_refused"]
    assert refused == [{"method": "gateway", "realm": "alpha", "reason": reason}
                       for reason in reasons]
    assert [r["reason"] for r in audit_records(caplog) if r["event"] == "login refused"] == (
        reasons)


def test_api_token_created_and_revoked(events, caplog):
    user = User.objects.create_user("ann")
    token, key = ApiToken.create_for(user, name="ci")
    logcheck.register(key)
    token.delete()
    assert events == [("api_token_created", {"user": "ann", "token_name": "ci"}),
                      ("api_token_revoked", {"user": "ann", "token_name": "ci"})]
    assert [r["event"] for r in audit_records(caplog)] == ["api token created",
                                                           "api token revoked"]


def test_tokens_deleted_with_their_user_are_revoked(events):
    user = User.objects.create_user("ann")
    ApiToken.create_for(user)
    user.delete()
    assert events[-1][0] == "api_token_revoked"
    assert events[-1][1]["token_name"] == "api"


@pytest.mark.usefixtures("auth_settings")
def test_keycloak_login_refusal_logout_and_backchannel(events, caplog, client, settings, idp):
    logcheck.register("not-alices-password")
    login_behind_scenes(client, settings, password="not-alices-password")
    login_behind_scenes(client, settings)
    sid = session_tokens(client)["sid"]
    logcheck.register(seed.password("alpha", "alice"))
    assert backchannel(Client(), logout_token(idp, sid=sid)).status_code == 200
    names = [name for name, _ in events if name != "keys_fetched"]
    assert names == ["login_refused", "login_succeeded", "backchannel_logout"]
    fields = dict((name, f) for name, f in events)
    assert fields["login_refused"] == {"method": "keycloak", "realm": "alpha",
                                       "reason": "invalid credentials"}
    assert fields["login_succeeded"]["method"] == "keycloak"
    assert fields["login_succeeded"]["user"].endswith("alice")
    assert fields["backchannel_logout"] == {"realm": "alpha", "sessions": 1}
    assert fields["keys_fetched"] == {"realm": "alpha", "outcome": "ok"}
    assert f"{ACCOUNTS}" not in " ".join(r.getMessage() for r in caplog.records
                                         if r.name == "eha_auth.audit")


@pytest.mark.usefixtures("auth_settings")
def test_key_fetch_failure_is_reported(events, settings, idp):
    entry = jwks.fetch_keys("alpha")
    settings.KEYCLOAK_ISSUER_URL = idp.issuer_url
    settings.KEYCLOAK_SERVER_URL = f"http://127.0.0.1:{free_port()}/realms"  # nothing listens
    assert jwks._fetch_or_keep("alpha", entry) is entry  # the last good keys
    assert [f["outcome"] for name, f in events if name == "keys_fetched"] == [
        "ok", "unavailable"]
