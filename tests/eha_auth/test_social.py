"""Social login with social-auth's generic OpenID Connect backend against the local provider.

Redirect, sign-in at the provider, callback, the user in the right realm; ``state``
mismatch, realms not allowed, existing users and an unreachable provider refused.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from example.idp import seed
from social_django.models import UserSocialAuth

from tests.eha_auth.conftest import clear_caches
from tests.eha_auth.test_login import browser_login
from tests.harness import logcheck
from tests.harness.servers import free_port

pytestmark = pytest.mark.django_db
BACKENDS = "tests.eha_auth.social_backends"
PIPELINE = [
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    "eha_auth.social.pipeline.set_realm",
    "eha_auth.social.pipeline.map_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
]


@pytest.fixture
def social(settings, idp):
    """Two social OIDC backends (realms alpha and beta of the provider) beside passwords."""
    settings.ROOT_URLCONF = "tests.eha_auth.urls_social"
    settings.AUTHENTICATION_BACKENDS = [
        f"{BACKENDS}.IdpAlpha", f"{BACKENDS}.IdpBeta", f"{BACKENDS}.IdpDown",
        "django.contrib.auth.backends.ModelBackend"]
    settings.SOCIAL_AUTH_PIPELINE = PIPELINE
    settings.KEYCLOAK_REALMS = seed.REALMS
    settings.MULTITENANCY = True
    settings.LOGIN_URL = "/accounts/login/"
    settings.LOGIN_REDIRECT_URL = "/page"
    settings.SOCIAL_AUTH_REQUESTS_TIMEOUT = 10
    for name, realm in (("IDP_ALPHA", "alpha"), ("IDP_BETA", "beta")):
        setattr(settings, f"SOCIAL_AUTH_{name}_OIDC_ENDPOINT", idp.issuer(realm))
        setattr(settings, f"SOCIAL_AUTH_{name}_KEY", seed.CLIENT_ID)
        setattr(settings, f"SOCIAL_AUTH_{name}_SECRET", seed.client_secret(realm))
    settings.SOCIAL_AUTH_IDP_DOWN_OIDC_ENDPOINT = f"http://127.0.0.1:{free_port()}/realms/alpha"
    settings.SOCIAL_AUTH_IDP_DOWN_KEY = seed.CLIENT_ID
    clear_caches()
    yield settings
    clear_caches()


def begin(client, backend="idp-alpha", next_url="/page") -> str:
    # A POST, as the login page's button sends (social-auth 5.5+ refuses GET here).
    answer = client.post(f"/accounts/social/login/{backend}/", {"next": next_url})
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def social_login(client, idp, backend="idp-alpha", realm="alpha", username="alice"):
    callback = browser_login(idp, begin(client, backend), realm=realm, username=username)
    return client.get(callback)


def page(client) -> dict:
    return client.get("/page").json()


def user(username):
    return get_user_model().objects.filter(username=username).first()


def test_login_page_lists_social_providers_beside_the_password_form(client, social):
    html = client.get("/accounts/login/", {"next": "/page"}).content.decode()
    assert 'class="login-password"' in html
    assert ('<form method="post" action="/accounts/social/login/idp-alpha/?next=%2Fpage"'
            in html)
    assert 'data-method="social-idp-alpha"' in html
    assert "Sign in with Alpha (OpenID Connect)" in html   # the backend's title
    assert 'data-method="social-idp-beta">Sign in with ' in html


def test_login_page_title_from_settings(client, social):
    social.SOCIAL_AUTH_IDP_BETA_TITLE = "Beta realm"
    assert "Sign in with Beta realm" in client.get("/accounts/login/").content.decode()


def test_login_puts_the_user_in_the_realm_of_the_provider(client, social, idp):
    auth_url = begin(client)
    query = parse_qs(urlsplit(auth_url).query)
    assert auth_url.startswith(idp.issuer("alpha") + "/protocol/openid-connect/auth?")
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == [seed.CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/accounts/social/complete/idp-alpha/"]
    answer = client.get(browser_login(idp, auth_url))
    assert answer.status_code == 302 and answer["Location"] == "/page"
    assert page(client) == {"authenticated": True, "username": "alpha__alice", "roles": None,
                            "realm": "alpha", "groups": ["alpha"]}
    alice = user("alpha__alice")
    assert (alice.first_name, alice.last_name, alice.email) == ("Alice", "Archer",
                                                                 "alice@alpha.test")
    assert not alice.has_usable_password()
    assert UserSocialAuth.objects.get(user=alice).provider == "idp-alpha"
    extra = UserSocialAuth.objects.get(user=alice).extra_data
    logcheck.register(*(str(extra.get(name)) for name in
                        ("id_token", "access_token", "refresh_token")))


def test_same_name_in_another_realm_is_another_user(client, social, idp):
    assert social_login(client, idp, "idp-beta", "beta", "alice").status_code == 302
    assert page(client)["username"] == "beta__alice" and page(client)["groups"] == ["beta"]
    assert user("beta__alice").first_name == "Alicia" and user("alpha__alice") is None


def test_realm_from_settings_wins_over_the_provider(client, social, idp):
    social.SOCIAL_AUTH_IDP_ALPHA_REALM = "north"
    assert social_login(client, idp).status_code == 302
    assert page(client)["username"] == "north__alice"
    assert page(client)["realm"] == "north" and page(client)["groups"] == ["north"]


def test_returning_user_is_the_same_user(client, social, idp):
    social_login(client, idp)
    client.post("/accounts/logout/")
    assert page(client)["authenticated"] is False
    assert social_login(client, idp).status_code == 302
    assert page(client)["username"] == "alpha__alice"
    assert get_user_model().objects.count() == 1 and UserSocialAuth.objects.count() == 1


def test_state_mismatch_is_rejected(client, social, idp):
    callback = browser_login(idp, begin(client))
    state = parse_qs(urlsplit(callback).query)["state"][0]
    answer = client.get(callback.replace(state, "forged-state"))
    assert answer.status_code == 400
    assert "could not be completed" in answer.content.decode()
    assert page(client)["authenticated"] is False and user("alpha__alice") is None


def test_callback_without_a_started_login_is_rejected(client, social, idp):
    callback = browser_login(idp, begin(client))
    client.cookies.clear()   # another browser: no state in its session
    assert client.get(callback).status_code == 400
    assert user("alpha__alice") is None


def test_realm_not_allowed_is_refused(client, social, idp):
    social.KEYCLOAK_REALMS = ["beta"]
    answer = social_login(client, idp)
    assert answer.status_code == 403 and "may not sign in here" in answer.content.decode()
    assert user("alpha__alice") is None and not Group.objects.filter(name="alpha").exists()


def test_social_realms_setting_is_the_allow_list(client, social, idp):
    social.SOCIAL_AUTH_REALMS = ["beta"]   # wins over KEYCLOAK_REALMS
    assert social_login(client, idp).status_code == 403
    assert social_login(client, idp, "idp-beta", "beta", "carol").status_code == 302


def test_existing_user_is_not_taken_over(client, social, idp):
    get_user_model().objects.create_user("alpha__alice", password="local-password-1")
    assert social_login(client, idp).status_code == 403
    assert page(client)["authenticated"] is False and UserSocialAuth.objects.count() == 0
    social.SOCIAL_AUTH_IDP_ALPHA_ADOPT_EXISTING = True
    assert social_login(client, idp).status_code == 302
    assert page(client)["username"] == "alpha__alice"
    assert UserSocialAuth.objects.get().user == user("alpha__alice")


def test_password_login_still_works_beside_social(client, social):
    dora = get_user_model().objects.create_user("alpha__dora", password="dora-password-1")
    dora.groups.add(Group.objects.get_or_create(name="alpha")[0])  # the prefix is no membership
    client.cookies["eha-realm"] = "alpha"
    answer = client.post("/accounts/login/", {"username": "dora",
                                              "password": "dora-password-1", "next": "/page"})
    assert answer.status_code == 302 and page(client)["username"] == "alpha__dora"


def test_unreachable_provider_answers_503(client, social):
    answer = client.post("/accounts/social/login/idp-down/")
    assert answer.status_code == 503 and "cannot be reached" in answer.content.decode()


def test_unknown_backend_is_404(client, social):
    assert client.post("/accounts/social/login/nope/").status_code == 404



def check_ids(settings) -> list[str]:
    from eha_auth.checks import check_social

    return [message.id for message in check_social()]


def test_checks_want_social_django_and_the_realm_steps(settings):
    settings.AUTHENTICATION_BACKENDS = [f"{BACKENDS}.IdpAlpha"]
    settings.SOCIAL_AUTH_PIPELINE = PIPELINE
    assert check_ids(settings) == []
    settings.SOCIAL_AUTH_PIPELINE = [step for step in PIPELINE if "eha_auth" not in step]
    assert check_ids(settings) == ["eha_auth.W131"]
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "social_django"]
    assert check_ids(settings) == ["eha_auth.E131", "eha_auth.W131"]


def test_checks_are_silent_without_social_backends(settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    settings.SOCIAL_AUTH_PIPELINE = []
    assert check_ids(settings) == []


def test_username_may_be_the_full_email(client, social, idp):
    social.SOCIAL_AUTH_USERNAME_IS_FULL_EMAIL = True
    assert social_login(client, idp).status_code == 302
    assert page(client)["username"] == "alpha__alice@alpha.test"


class Backend:
    """A stand-in backend: only the settings the realm step reads."""

    name = "stand-in"

    def __init__(self, **settings):
        self.settings, self.id_token = settings, None

    def setting(self, name, default=None):
        return self.settings.get(name, default)


@pytest.mark.parametrize(("settings_", "claims", "realm"), [
    ({"REALM_CLAIM": "tenant"}, {"tenant": "north", "iss": "https://id/realms/alpha"}, "north"),
    ({"REALM_CLAIM": "tenant"}, {"tenant": ["south", "x"]}, "south"),
    ({}, {"iss": "https://id.example.org/auth/realms/beta/"}, "beta"),
    ({}, {"iss": "https://accounts.google.com"}, None),
    ({"REALM_CLAIM": "tenant"}, {"tenant": 7}, None),
])
def test_realm_named_by_the_provider(settings_, claims, realm):
    from eha_auth.social.pipeline import realm_from_provider

    assert realm_from_provider(Backend(**settings_), claims) == realm


@pytest.mark.parametrize(("multitenancy", "realm"), [(True, "south"), (False, None)])
def test_a_provider_naming_no_realm_leaves_the_realm_of_the_request(
        settings, rf, multitenancy, realm):
    from types import SimpleNamespace

    from eha_auth.social.pipeline import set_realm

    settings.MULTITENANCY = multitenancy
    request = rf.get("/accounts/social/complete/x/", HTTP_EHA_REALM="south")
    claims = {"iss": "https://accounts.google.com", "sub": "1"}
    assert set_realm(Backend(), SimpleNamespace(request=request), claims) == {"realm": realm}


def test_users_are_made_by_the_user_mapper(client, social, idp):
    from tests.eha_auth.mappers import MAPPER, was_mapped

    social.KEYCLOAK_USER_MAPPER = MAPPER
    assert social_login(client, idp).status_code == 302
    assert was_mapped(user("alpha__alice")) and page(client)["realm"] == "alpha"
