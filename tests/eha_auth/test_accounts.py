"""Login, logout, logged-out pages; login methods; ``next`` only to this host."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import RequestFactory

from eha_auth.accounts.redirects import is_safe_next

pytestmark = pytest.mark.django_db

OPEN_REDIRECTS = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example",
    "////evil.example/x", "\\\\evil.example", "/\\evil.example", "\\/evil.example",
    "/%5Cevil.example", "%2F%2Fevil.example", "/%2F/evil.example", "%252F%252Fevil.example",
    "https:evil.example", "http:/evil.example", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "ftp://evil.example", " //evil.example",
    "\t//evil.example", "/\t/evil.example", "/\n/evil.example", "https://testserver@evil.example",
    "http://evil.example\\@testserver", "//evil.example%2F@testserver", "%09//evil.example",
    "java%0Ascript:alert(1)", "/%09/evil.example", "http://testserver.evil.example/",
]
SAFE = ["/", "/page", "/page?x=1#top", "http://testserver/page", "accounts/tokens/"]


@pytest.mark.parametrize("url", OPEN_REDIRECTS)
def test_open_redirect_corpus_refused(url):
    assert not is_safe_next(RequestFactory().get("/"), url)


@pytest.mark.parametrize("url", SAFE)
def test_same_host_next_allowed(url):
    assert is_safe_next(RequestFactory().get("/"), url)


@pytest.mark.parametrize("url", OPEN_REDIRECTS)
def test_login_never_follows_offsite_next(more_urls, client, url):
    User.objects.create_user("ann", password="pw-123456")
    response = client.post("/accounts/login/", {"username": "ann", "password": "pw-123456",
                                                "next": url})
    assert response.status_code == 302
    assert response["Location"] == more_urls.LOGIN_REDIRECT_URL


def test_login_page_lists_enabled_methods(more_urls, client):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' in page and 'data-method="cas"' not in page
    more_urls.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend",
                                         "eha_auth.cas.backends.CASBackend"]
    more_urls.CAS_SERVER_URL = "http://127.0.0.1:9/cas/"
    more_urls.DEBUG = True
    more_urls.PROXY_MOCKUP_SESSIONS = {"dana": {}}
    page = client.get("/accounts/login/?next=/page").content.decode()
    assert 'href="/accounts/cas/login/?next=%2Fpage" data-method="cas"' in page
    assert 'data-method="proxy-mockup"' in page


def test_login_page_extension_point(more_urls, client):
    more_urls.EHA_AUTH_LOGIN_METHODS = ["tests.eha_auth.test_accounts.other_method"]
    page = client.get("/accounts/login/").content.decode()
    assert 'data-method="other"' in page and 'name="password"' not in page


def other_method(request):
    from eha_auth.accounts.methods import LoginMethod

    return LoginMethod("other", "Other provider", "/other/")


def test_password_login_with_realm_prefix(more_urls, client):
    more_urls.MULTITENANCY = True
    user = User.objects.create_user("north__ann", password="pw-123456")
    user.groups.add(Group.objects.create(name="north"))
    client.cookies["eha-realm"] = "north"
    response = client.post("/accounts/login/", {"username": "ann", "password": "pw-123456",
                                                "next": "/page"})
    assert response.status_code == 302 and response["Location"] == "/page"
    assert client.session["eha_realm"] == "north"


def test_password_login_refuses_other_realm(more_urls, client):
    more_urls.MULTITENANCY = True
    User.objects.create_user("north__ann", password="pw-123456")
    client.cookies["eha-realm"] = "south"
    response = client.post("/accounts/login/", {"username": "north__ann",
                                                "password": "pw-123456"})
    assert response.status_code == 200 and b"not a member of this realm" in response.content
    assert "_auth_user_id" not in client.session


def test_wrong_password(more_urls, client):
    User.objects.create_user("ann", password="pw-123456")
    response = client.post("/accounts/login/", {"username": "ann", "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_and_logged_out_page(more_urls, client):
    client.force_login(User.objects.create_user("ann"))
    assert client.get("/accounts/logout/").status_code == 200
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/", {"next": "//evil.example"})
    assert response["Location"] == "/accounts/logged-out/"
    assert "_auth_user_id" not in client.session
    assert b"signed out" in client.get(response["Location"]).content


def test_pages_under_a_realm_url(more_urls, client):
    more_urls.MULTITENANCY = True
    user = User.objects.create_user("north__ann", password="pw-123456")
    user.groups.add(Group.objects.create(name="north"))
    response = client.post("/north/accounts/login/", {"username": "ann",
                                                      "password": "pw-123456"})
    assert response.status_code == 302 and client.session["eha_realm"] == "north"
    assert client.get("/north/accounts/tokens/").status_code == 200
    assert client.get("/north/accounts/logout/").status_code == 200
    assert client.post("/south/accounts/login/", {"username": "ann", "password": "pw-123456"}
                       ).status_code == 200  # refused: not a member of south
