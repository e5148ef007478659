"""gateway_urlpatterns: app URLs at the root and under /<realm>/<service>/, public URLs apart."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import Resolver404, path
from django.urls.resolvers import RegexPattern, URLResolver

from eha_auth.gateway.urls import gateway_urlpatterns

pytestmark = pytest.mark.usefixtures("auth_settings")


def app_view(request, realm=None):
    return HttpResponse(realm or "")


def login_view(request):
    return HttpResponse("login")


def resolver(**settings_values):
    patterns = gateway_urlpatterns([path("items/", app_view, name="items")],
                                   public=[path("accounts/login/", login_view, name="login")])
    return URLResolver(RegexPattern(r"^/"), patterns)


@pytest.fixture
def gateway(settings):
    settings.GATEWAY_SERVICE_ID = "svc"
    settings.APP_URL = "/"
    return settings


def test_app_urls_at_root_and_under_each_realm(gateway):
    urls = resolver()
    assert urls.resolve("/items/").kwargs == {}
    assert urls.resolve("/alpha/svc/items/").kwargs == {"realm": "alpha"}
    assert urls.resolve("/beta/svc/items/").func is app_view


def test_public_urls_only_under_the_public_realm(gateway):
    urls = resolver()
    assert urls.resolve("/-/svc/accounts/login/").func is login_view
    for missing in ("/accounts/login/", "/alpha/svc/accounts/login/", "/-/svc/items/"):
        with pytest.raises(Resolver404):
            urls.resolve(missing)


def test_app_url_prefixes_everything(gateway):
    gateway.APP_URL = "/app"
    urls = resolver()
    assert urls.resolve("/app/items/").kwargs == {}
    assert urls.resolve("/app/alpha/svc/items/").kwargs == {"realm": "alpha"}
    assert urls.resolve("/app/-/svc/accounts/login/").func is login_view
    with pytest.raises(Resolver404):
        urls.resolve("/items/")


def test_without_a_gateway_everything_is_at_app_url(settings):
    settings.GATEWAY_SERVICE_ID = None
    urls = resolver()
    assert urls.resolve("/items/").func is app_view
    assert urls.resolve("/accounts/login/").func is login_view
    with pytest.raises(Resolver404):
        urls.resolve("/alpha/svc/items/")


def test_reverse_gives_root_or_realm_paths(client, idp):
    from django.urls import reverse

    assert reverse("whoami") == "/whoami/"
    assert reverse("whoami", kwargs={"realm": "alpha"}) == "/alpha/svc/whoami/"
    assert reverse("eha_auth:login") == "/-/svc/accounts/login/"
