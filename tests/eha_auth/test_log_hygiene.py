"""The suite-wide log capture (tests/conftest.py) catches a secret in any log line."""

import logging

import pytest

from tests.harness import logcheck

pytestmark = pytest.mark.usefixtures("auth_settings")


def test_capture_sees_debug_records_of_any_logger_and_finds_secrets(no_secrets_in_logs):
    secret = "a-registered-secret-value"
    logcheck.register(secret)
    logging.getLogger("some.library").debug("harmless")
    assert logcheck.leaks(no_secrets_in_logs.lines) == []
    logging.getLogger("some.library").debug("value %s", secret)
    assert logcheck.leaks(no_secrets_in_logs.lines) == ["value <SECRET>"]
    no_secrets_in_logs.lines.clear()  # this test's own leak was on purpose


def test_provider_failures_are_logged_without_what_was_sent(client, settings, idp,
                                                            no_secrets_in_logs):
    settings.KEYCLOAK_BEHIND_SCENES = True
    password = "wrong-password-never-logged-42"
    logcheck.register(password)
    answer = client.post("/-/svc/accounts/login/",
                         {"realm": "alpha", "username": "alice", "password": password})
    assert answer.status_code == 400
    assert any("provider refused token" in line for line in no_secrets_in_logs.lines)
