"""Tokens never appear in logs, error bodies, or the pages a user sees."""

import logging

import pytest

from eha_apptoken.models import AppToken
from tests.eha_apptoken.conftest import expire_validation
from tests.harness.servers import free_port

pytestmark = pytest.mark.django_db


def test_no_token_in_any_log_record_through_a_whole_flow(extapp, alice, user, settings,
                                                         caplog):
    with caplog.at_level(logging.DEBUG):
        alice.get("/ext/echo")
        first = AppToken.objects.get(user=user).token
        extapp.revoke("alice")
        alice.get("/ext/echo")                      # 401, re-obtain, retry
        expire_validation(user)
        alice.get("/ext/echo")                      # validation call
        alice.get("/check-user-tokens")
        alice.get("/check-app/ext")
        settings.APPTOKEN_READ_TIMEOUT = 0.2
        alice.get("/ext/sleep/1")                   # 504
        settings.EXTERNAL_APPS["ext"]["url"] = f"http://127.0.0.1:{free_port()}"
        alice.get("/ext/echo")                      # 502
    second = AppToken.objects.get(user=user).token
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "timed out" in logged and "unreachable" in logged  # the log did record things
    for secret in (first, second, extapp.service_token):
        assert secret not in logged


def test_no_token_in_error_bodies(extapp, alice, user, settings):
    alice.get("/ext/echo")
    token = AppToken.objects.get(user=user).token
    settings.APPTOKEN_READ_TIMEOUT = 0.2
    bodies = [alice.get("/ext/sleep/1").content, alice.get("/ext/../x").content,
              alice.get("/ext/echo", HTTP_ACCEPT="a\r\nb").content]
    settings.EXTERNAL_APPS["ext"]["url"] = f"http://127.0.0.1:{free_port()}"
    bodies.append(alice.get("/ext/echo").content)
    for body in bodies:
        assert token.encode() not in body
        assert extapp.service_token.encode() not in body
        assert str(extapp.server.port).encode() not in body  # no internal URL either


def test_the_model_repr_hides_the_token(user):
    row = AppToken.objects.create(user=user, app="ext", token="repr-secret-token")
    assert "repr-secret-token" not in repr(row) + str(row)
