"""System checks of eha_tenancy."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from eha_tenancy import checks
from eha_tenancy.models import MtModelAbstract, MtModelChildAbstract
from tests.harness.postgres import on_postgres

AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
REALM = "eha_tenancy.middleware.RealmMiddleware"


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_default_settings_pass():
    assert checks.check_settings() == []
    assert checks.check_middleware() == []
    assert checks.check_models() == []


def test_malformed_default_realm(settings):
    settings.DEFAULT_REALM = "../eha"
    assert ids(checks.check_settings()) == ["eha_tenancy.E001"]


def test_identity_provider_without_tenancy_warns(settings):
    settings.GATEWAY_SERVICE_ID = "svc"
    assert ids(checks.check_settings()) == ["eha_tenancy.W002"]
    settings.MULTITENANCY = True
    assert checks.check_settings() == []
    settings.MULTITENANCY = False
    del settings.GATEWAY_SERVICE_ID
    settings.KEYCLOAK_SERVER_URL = "http://127.0.0.1:1/realms"
    assert ids(checks.check_settings()) == ["eha_tenancy.W002"]


def test_tenancy_without_middleware_warns(settings):
    settings.MULTITENANCY = True
    assert ids(checks.check_middleware()) == ["eha_tenancy.W001"]


def test_middleware_before_authentication_is_an_error(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != AUTH]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, REALM, AUTH]
    assert ids(checks.check_middleware()) == ["eha_tenancy.E002"]
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != AUTH]
    assert ids(checks.check_middleware()) == ["eha_tenancy.E002"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:-1], AUTH, REALM]
    assert checks.check_middleware() == []


def _isolated_models():
    """Define models in a throwaway registry, so the real one stays as it is."""
    from django.apps.registry import Apps

    registry = Apps(["django.contrib.auth", "django.contrib.contenttypes",
                     "tests.eha_tenancy.testapp.apps.TenancyTestAppConfig"])

    class Owner(MtModelAbstract):
        class Meta:  # does not inherit MtModelAbstract.Meta: no (realm, id) index
            app_label = "tenancy_testapp"
            apps = registry

    class Leaky(MtModelAbstract):
        everything = models.Manager()
        objects = models.Manager()

        class Meta(MtModelAbstract.Meta):
            app_label = "tenancy_testapp"
            apps = registry

    class Lost(MtModelChildAbstract):
        mt_field = "owner__nothing"
        owner = models.ForeignKey(Owner, on_delete=models.CASCADE)

        class Meta(MtModelChildAbstract.Meta):
            app_label = "tenancy_testapp"
            apps = registry

    return registry


def test_leaky_manager_bad_mt_field_and_missing_index():
    registry = _isolated_models()
    config = registry.get_app_config("tenancy_testapp")
    found = {(m.obj.__name__, m.id) for m in checks.check_models([config])}
    assert found == {("Owner", "eha_tenancy.W003"), ("Leaky", "eha_tenancy.E003"),
                     ("Lost", "eha_tenancy.E004")}


# TENANCY_RLS (the database checks run on PostgreSQL: test_rls_checks.py).

@pytest.mark.django_db
def test_rls_off_by_default_checks_nothing():
    assert checks.check_rls_settings() == []
    # SQLite; or PostgreSQL as a superuser, whom the policies of the test app do not limit
    assert checks.check_rls_database(databases=["default"]) == []


@pytest.mark.django_db
def test_check_rls_command_needs_postgresql():
    if on_postgres():
        call_command("check_rls", stdout=io.StringIO(), stderr=io.StringIO())
    else:
        with pytest.raises(CommandError, match="row-level security needs PostgreSQL"):
            call_command("check_rls")


def test_rls_needs_tenancy(settings):
    settings.TENANCY_RLS = True
    assert "eha_tenancy.E005" in ids(checks.check_rls_settings())
    settings.MULTITENANCY = True
    assert "eha_tenancy.E005" not in ids(checks.check_rls_settings())


def test_rls_setting_must_name_a_postgresql_setting(settings):
    settings.MULTITENANCY = True
    settings.TENANCY_RLS = True
    for name in ("realm", "eha.realm'; --", "eha realm", ""):
        settings.TENANCY_RLS_SETTING = name
        assert "eha_tenancy.E006" in ids(checks.check_rls_settings()), name
    settings.TENANCY_RLS_SETTING = "my_app.tenant"
    assert "eha_tenancy.E006" not in ids(checks.check_rls_settings())


def test_rls_names_known_postgresql_databases(settings):
    settings.MULTITENANCY = True
    settings.TENANCY_RLS = ["default", "reports"]
    assert "eha_tenancy.E007" in ids(checks.check_rls_settings())
    settings.TENANCY_RLS = ["default"]
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    assert ids(checks.check_rls_settings()) == ([] if postgres else ["eha_tenancy.W004"])
