"""System checks of eha_tenancy."""

from __future__ import annotations

from django.db import models

from eha_tenancy import checks
from eha_tenancy.models import MtModelAbstract, MtModelChildAbstract

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
