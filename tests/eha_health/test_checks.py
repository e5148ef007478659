"""System checks report misconfiguration at startup, naming the setting."""

import pytest
from django.core.checks import run_checks

# All of Django's checks run here, and Django 6.1's model checks read the database's
# features (JSONField support on SQLite).
pytestmark = pytest.mark.django_db


def ids(**kwargs):
    return {message.id for message in run_checks(**kwargs) if message.id.startswith("eha_health")}


def test_default_configuration_is_clean():
    assert ids() == set()


def test_unimportable_check_path_is_an_error(settings):
    settings.HEALTH_CHECKS = ["eha_health.probes.database", "nowhere.to.be.found"]
    errors = [m for m in run_checks() if m.id == "eha_health.E001"]
    assert len(errors) == 1
    assert "'nowhere.to.be.found'" in errors[0].msg and "HEALTH_CHECKS" in errors[0].msg


def test_checks_setting_must_be_a_list_of_paths(settings):
    settings.HEALTH_CHECKS = "eha_health.probes.database"
    assert ids() == {"eha_health.E002"}


def test_timeouts_must_be_positive_numbers(settings):
    settings.HEALTH_CHECK_TIMEOUT = 0
    settings.HEALTH_CACHE_SECONDS = "3"
    messages = [m.msg for m in run_checks() if m.id == "eha_health.E003"]
    assert len(messages) == 2
    assert any("HEALTH_CHECK_TIMEOUT" in msg for msg in messages)
    assert any("HEALTH_CACHE_SECONDS" in msg for msg in messages)


def test_middleware_not_first_is_a_warning(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[1:3], settings.MIDDLEWARE[0],
                           *settings.MIDDLEWARE[3:]]
    assert ids() == {"eha_health.W001"}


def test_missing_urls_is_a_warning(settings):
    settings.ROOT_URLCONF = "tests.eha_health.urls_without_health"
    assert "eha_health.W002" in ids()
