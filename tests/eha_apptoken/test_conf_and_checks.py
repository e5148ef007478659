"""EXTERNAL_APPS from the environment, and the system checks."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from eha_apptoken import external_apps_from_env
from eha_apptoken.checks import check_external_apps, check_settings


def test_env_helper_builds_the_setting_the_aether_way():
    environ = {
        "EXTERNAL_APPS": " app-1 , mod-ule-2,",
        "APP_1_URL": "http://app-1", "APP_1_TOKEN": "t1",
        "MOD_ULE_2_URL": "http://m/{realm}/api", "MOD_ULE_2_TOKEN": "t2",
        "MOD_ULE_2_URL_TEST": "http://m-test", "MOD_ULE_2_TOKEN_TEST": "t2-test",
    }
    assert external_apps_from_env(environ) == {
        "app-1": {"url": "http://app-1", "token": "t1"},
        "mod-ule-2": {"url": "http://m/{realm}/api", "token": "t2",
                      "url_test": "http://m-test", "token_test": "t2-test"},
    }


def test_env_helper_accepts_names_explicitly():
    assert external_apps_from_env({"X_URL": "http://x", "X_TOKEN": "t"}, names="x") == {
        "x": {"url": "http://x", "token": "t"}}
    assert external_apps_from_env({}) == {}


@pytest.mark.parametrize("missing", ["APP_1_URL", "APP_1_TOKEN"])
def test_env_helper_names_a_missing_variable(missing):
    environ = {"EXTERNAL_APPS": "app-1", "APP_1_URL": "http://a", "APP_1_TOKEN": "t"}
    del environ[missing]
    with pytest.raises(ImproperlyConfigured, match=missing):
        external_apps_from_env(environ)


def ids(messages):
    return [message.id for message in messages]


def test_valid_settings_pass(settings):
    settings.EXTERNAL_APPS = {"a": {"url": "https://a.test/{realm}/api", "token": "t",
                                    "read_timeout": 5}}
    assert check_external_apps() == [] and check_settings() == []


@pytest.mark.parametrize("value", [["a"], "a", None])
def test_external_apps_must_be_a_dict(settings, value):
    settings.EXTERNAL_APPS = value
    assert ids(check_external_apps()) == ["eha_apptoken.E001"]


@pytest.mark.parametrize("url", [
    "", None, "app-1:8000", "ftp://a", "http://", "http://a/?x=1", "http://a/#f",
    "http://user:pw@a", "http://a/{other}", "http://a/{realm",
])
def test_malformed_urls_are_reported(settings, url):
    settings.EXTERNAL_APPS = {"a": {"url": url, "token": "t"}}
    messages = check_external_apps()
    assert ids(messages) == ["eha_apptoken.E002"]
    assert "EXTERNAL_APPS['a']['url']" in messages[0].msg


@pytest.mark.parametrize("token", ["", "  ", None, 42])
def test_missing_tokens_are_reported(settings, token):
    settings.EXTERNAL_APPS = {"my-app": {"url": "http://a", "token": token}}
    messages = check_external_apps()
    assert ids(messages) == ["eha_apptoken.E003"]
    assert "MY_APP_TOKEN" in messages[0].hint


def test_test_urls_are_checked_when_in_use(settings):
    settings.EXTERNAL_APPS = {"a": {"url": "http://a", "token": "t"}}
    settings.APPTOKEN_USE_TEST_APPS = True
    assert ids(check_external_apps()) == ["eha_apptoken.E002", "eha_apptoken.E003"]


def test_test_urls_and_tokens_are_used_when_switched_on(settings):
    from eha_apptoken.conf import app_settings

    settings.EXTERNAL_APPS = {"a": {"url": "http://a", "token": "t",
                                    "url_test": "http://a-test", "token_test": "t-test"}}
    assert (app_settings.app_url("a"), app_settings.app_token("a")) == ("http://a", "t")
    settings.APPTOKEN_USE_TEST_APPS = True
    assert (app_settings.app_url("a"), app_settings.app_token("a")) == ("http://a-test",
                                                                        "t-test")


@pytest.mark.parametrize("keys", ["not-a-list", [], ["short"], [b"x" * 44]])
def test_bad_encryption_keys_are_reported(settings, keys):
    settings.APPTOKEN_ENCRYPTION_KEYS = keys
    assert ids(check_settings()) == ["eha_apptoken.E004"]


@pytest.mark.parametrize("name,value", [("APPTOKEN_CONNECT_TIMEOUT", 0),
                                        ("APPTOKEN_READ_TIMEOUT", "5"),
                                        ("APPTOKEN_VALIDATION_SECONDS", -1)])
def test_bad_numbers_are_reported(settings, name, value):
    setattr(settings, name, value)
    assert ids(check_settings()) == ["eha_apptoken.E005"]


def test_bad_per_app_timeouts_are_reported(settings):
    settings.EXTERNAL_APPS = {"a": {"url": "http://a", "token": "t", "connect_timeout": -1}}
    assert ids(check_external_apps()) == ["eha_apptoken.E005"]


def test_forbidden_headers_in_allow_lists_are_reported(settings):
    settings.APPTOKEN_REQUEST_HEADERS = ["Accept", "Cookie", "X-Forwarded-For"]
    settings.APPTOKEN_RESPONSE_HEADERS = ["Set-Cookie"]
    messages = check_settings()
    assert ids(messages) == ["eha_apptoken.W001", "eha_apptoken.W001"]
    assert "Cookie, X-Forwarded-For" in messages[0].msg
