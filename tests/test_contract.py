"""The realm contract of "How the apps meet" (docs/contract.md), run over every app's copy.

Each rule more than one app needs is kept as a few lines in each app; this module
runs every copy over one shared corpus and fails when any two disagree.
eha_tenancy's copy is the reference.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path, resolve

import eha_apptoken.conf
import eha_auth.realms
import eha_tenancy.conf
from eha_apptoken.proxy import BadProxyRequest, active_realm, checked_realm
from eha_apptoken.proxy import is_valid_realm as apptoken_is_valid
from eha_auth.accounts.realms import current_realm, is_member, user_realms
from eha_auth.apitokens import lookup
from eha_auth.apitokens.lookup import find_owner
from eha_auth.conf import app_settings as auth_settings
from eha_auth.models import ApiToken
from eha_auth.oidc import sessions
from eha_auth.oidc.realms import is_allowed_realm
from eha_auth.users import realm_username, split_username
from eha_tenancy import realm_context
from eha_tenancy.cache import realm_cache_key
from eha_tenancy.conf import app_settings as tenancy_settings
from eha_tenancy.membership import user_may_use_realm
from eha_tenancy.names import is_valid_realm
from eha_tenancy.requests import get_current_realm


def _view(request, realm=None):
    return HttpResponse()


urlpatterns = [path("<str:realm>/svc/page/", _view), path("page/", _view)]

NAMES = ["alpha", "a", "A1", "a.b", "a-b", "a_b", "a__b", "a..b", "-", ".", "..", "_a", "a_",
         "a.", ".a", "-a", "a-", "a" * 63, "a" * 64, "a" * 100, "ünïcode", "realm\u0661", "",
         "a/b", "/", "a b", "a\n", "a%2Fb", "eha", "__", "a___b", "1"]


# Realm names.

def name_rules():
    """Every app's copy of the realm-name rule, as name -> accepted."""
    def keycloak(name):
        return is_allowed_realm(name)

    def apptoken_header(name):
        try:
            return checked_realm(name) == name
        except BadProxyRequest:
            return False

    return {"eha_tenancy": is_valid_realm, "eha_auth": eha_auth.realms.is_valid_realm,
            "eha_auth.oidc (allow-listed)": keycloak, "eha_apptoken": apptoken_is_valid,
            "eha_apptoken.checked_realm": apptoken_header}


@pytest.mark.parametrize("name", NAMES)
def test_every_app_accepts_the_same_realm_names(settings, name):
    settings.KEYCLOAK_REALMS = NAMES  # the allow-list lets every name through: the rule decides
    settings.GATEWAY_PUBLIC_REALM = "~public"  # outside the corpus, so no copy makes it special
    verdicts = {app: bool(rule(name)) for app, rule in name_rules().items()}
    assert len(set(verdicts.values())) == 1, f"{name!r}: {verdicts}"


@pytest.mark.parametrize("name", NAMES)
def test_a_stored_username_splits_back_into_its_realm(name):
    if is_valid_realm(name):
        assert split_username(realm_username(name, "bob")) == (name, "bob")


def test_a__b_cannot_be_a_realm_in_eha_auth(settings):
    settings.KEYCLOAK_REALMS = ["a__b"]
    assert not eha_auth.realms.is_valid_realm("a__b") and not is_allowed_realm("a__b")


# Names the apps share.

def test_names_and_defaults_agree(settings):
    assert eha_tenancy.conf.SESSION_KEY == eha_auth.realms.REALM_SESSION_KEY \
        == eha_apptoken.conf.REALM_SESSION_KEY
    assert eha_tenancy.conf.REALM_HEADER == eha_auth.realms.REALM_HEADER \
        == eha_apptoken.conf.REALM_HEADER
    apptoken_settings = eha_apptoken.conf.app_settings
    for name in ("MULTITENANCY", "DEFAULT_REALM", "REALM_COOKIE", "GATEWAY_PUBLIC_REALM"):
        values = [getattr(conf, name) for conf in (tenancy_settings, auth_settings,
                                                   apptoken_settings)]
        assert len(set(values)) == 1, f"default {name}: {values}"
    settings.DEFAULT_REALM, settings.REALM_COOKIE = "other", "other-cookie"
    assert tenancy_settings.DEFAULT_REALM == auth_settings.DEFAULT_REALM \
        == apptoken_settings.DEFAULT_REALM == "other"
    assert tenancy_settings.REALM_COOKIE == auth_settings.REALM_COOKIE \
        == apptoken_settings.REALM_COOKIE == "other-cookie"


def test_eha_auth_names_the_session_key_once():
    """The session key is one constant in eha_auth: no module spells it out again."""
    root = Path(eha_auth.realms.__file__).parent
    spelled = []
    for source in root.rglob("*.py"):
        tree = ast.parse(source.read_text())
        attributes = {id(node.args[1]) for node in ast.walk(tree)  # getattr(user, "eha_realm")
                      if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr"}
        spelled += [f"{source.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and node.value == "eha_realm"
                    and id(node) not in attributes]
    # gateway/urls.py names a URL converter "eha_realm", not the session key.
    assert [place.split(":")[0] for place in sorted(spelled)] == ["gateway/urls.py", "realms.py"]


# The realm of a request.

REQUEST_PARTS = {
    "url": [None, "alpha", "-"],
    "session": [None, "beta"],
    "cookie": [None, "gamma"],
    "header": [None, "delta"],
    "attribute": [None, "omega"],  # request.realm, set by eha_tenancy's RealmMiddleware
}


def make_request(url, session, cookie, header, attribute):
    request = RequestFactory().get(f"/{url}/svc/page/" if url else "/page/",
                                   headers={"Eha-Realm": header} if header else {})
    if cookie:
        request.COOKIES["eha-realm"] = cookie
    request.session = SessionStore()
    if session:
        request.session["eha_realm"] = session
    if attribute:
        request.realm = attribute
    request.resolver_match = resolve(request.path_info)  # as Django sets it before views
    return request


def resolvers():
    return {"eha_tenancy": get_current_realm, "eha_auth": current_realm,
            "eha_apptoken": active_realm}


# With tenancy off no middleware sets request.realm: those combinations do not arise.
REQUEST_CASES = [(parts, multitenancy)
                 for parts in itertools.product(*REQUEST_PARTS.values())
                 for multitenancy in (True, False) if multitenancy or not parts[-1]]


@pytest.mark.parametrize(("parts", "multitenancy"), REQUEST_CASES)
def test_every_app_finds_the_same_realm_of_a_request(settings, parts, multitenancy):
    settings.ROOT_URLCONF = __name__
    settings.MULTITENANCY = multitenancy
    request = make_request(*parts)
    found = {app: resolve_realm(request) for app, resolve_realm in resolvers().items()}
    if not multitenancy:
        # Tenancy off: no realm; eha_apptoken still announces a gateway path's realm.
        assert found["eha_tenancy"] is None and found["eha_auth"] is None
        assert found["eha_apptoken"] == (parts[0] if parts[0] != "-" else None)
        return
    assert len(set(found.values())) == 1, f"{dict(zip(REQUEST_PARTS, parts))}: {found}"


# Membership.

REALMS = ["alpha", "beta", "eha", "a__b", "nowhere"]


@pytest.fixture
def users(db):
    alpha = Group.objects.create(name="alpha")
    Group.objects.create(name="beta")
    made = {
        "bob in alpha": User.objects.create_user("bob"),
        "alpha__bob, no Group": User.objects.create_user("alpha__bob"),
        "alpha__carol in alpha": User.objects.create_user("alpha__carol"),
        "beta__dan in alpha": User.objects.create_user("beta__dan"),
        "superuser, no Group": User.objects.create_user("root", is_superuser=True),
        "superuser in alpha": User.objects.create_user("alpha__su", is_superuser=True),
        "nobody": User.objects.create_user("nobody"),
    }
    for name in ("bob in alpha", "alpha__carol in alpha", "beta__dan in alpha",
                 "superuser in alpha"):
        made[name].groups.add(alpha)
    return made


def memberships():
    return {"eha_tenancy": lambda user, realm: (is_valid_realm(realm)
                                                and user_may_use_realm(user, realm)),
            "eha_auth": is_member,
            "eha_auth (token owner)": lambda user, realm: is_member(user, realm,
                                                                    user_realms(user))}


@pytest.mark.parametrize("superusers_everywhere", [True, False])
def test_every_app_counts_the_same_members(settings, users, superusers_everywhere):
    settings.MULTITENANCY = True
    settings.REALM_SUPERUSER_ALL_REALMS = superusers_everywhere
    disagreements = []
    for (label, user), realm in itertools.product(users.items(), REALMS):
        verdicts = {app: bool(rule(user, realm)) for app, rule in memberships().items()}
        if len(set(verdicts.values())) != 1:
            disagreements.append(f"{label} in {realm!r}: {verdicts}")
    assert not disagreements, "\n".join(disagreements)


def loaded_with_realms(user: User) -> User:
    """The user as eha_auth loads it for a request: with ``eha_realms`` (README)."""
    loaded = User.objects.get(pk=user.pk)
    loaded.eha_realms = frozenset(loaded.groups.values_list("name", flat=True))
    return loaded


@pytest.mark.parametrize("superusers_everywhere", [True, False])
def test_users_loaded_with_eha_realms_get_the_same_decisions(settings, users,
                                                             superusers_everywhere):
    settings.MULTITENANCY = True
    settings.REALM_SUPERUSER_ALL_REALMS = superusers_everywhere
    disagreements = []
    for (label, user), realm in itertools.product(users.items(), REALMS):
        loaded = loaded_with_realms(user)
        verdicts = {f"{app}{suffix}": bool(rule(someone, realm))
                    for app, rule in memberships().items()
                    for suffix, someone in (("", user), (" with eha_realms", loaded))}
        if len(set(verdicts.values())) != 1:
            disagreements.append(f"{label} in {realm!r}: {verdicts}")
    assert not disagreements, "\n".join(disagreements)


# Cache keys.

def test_back_channel_logout_markers_are_found_with_the_tenancy_key_function(settings):
    settings.MULTITENANCY = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "contract-logout",
                                   "KEY_FUNCTION": "eha_tenancy.cache.make_key"}}
    tokens = {"realm": "alpha", "sid": "sid-1", "sub": "sub-1", "logged_in_at": 0}
    with realm_context("eha"):  # the logout request's realm
        sessions.end_sessions("alpha", "sid-1", None)
    assert sessions.is_ended(tokens)  # read before any realm is active
    with realm_context("alpha"):
        assert sessions.is_ended(tokens)


def test_realm_cache_keys_differ_by_realm(settings):
    settings.MULTITENANCY = True
    assert realm_cache_key("k", "alpha") != realm_cache_key("k", "beta")


def test_a_token_revoked_in_one_realm_is_refused_in_every_realm(settings, db):
    settings.MULTITENANCY = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "contract-tokens",
                                   "KEY_FUNCTION": "eha_tenancy.cache.make_key"}}
    token, key = ApiToken.create_for(User.objects.create_user("ann"))
    with realm_context("north"):
        assert find_owner(key) is not None  # now remembered by this process
    with realm_context("south"):  # another process revokes it, in another realm
        ApiToken.objects.filter(pk=token.pk)._raw_delete(ApiToken.objects.db)
        lookup.forget(token.digest)  # what its signal does
        settings.AUTH_MEMO_SECONDS = 0  # and the other process's bound has passed
    with realm_context("north"):
        assert find_owner(key) is None
