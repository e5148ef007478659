"""UserMapper: realm-prefixed users from claims, hooks to customise, writes only on change."""

from __future__ import annotations

import logging
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from example.idp import seed

from eha_auth.models import OidcIdentity
from eha_auth.oidc.usercache import local_users
from eha_auth.oidc.users import UserMapper, map_user
from tests.eha_auth.conftest import SERVICE
from tests.harness import logcheck

LOGIN = f"/-/{SERVICE}/accounts/login/"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("auth_settings")]
CLAIMS = {"preferred_username": "dana", "given_name": "Dana", "family_name": "Diaz",
          "email": "dana@alpha.test", "realm_access": {"roles": ["admin"]}}


class StaffFromRoles(UserMapper):
    """Realm role "admin" makes staff."""

    def map_roles(self, user, realm, claims):
        is_staff = "admin" in self.get_roles(claims)
        if user.is_staff == is_staff:
            return []
        user.is_staff = is_staff
        return ["is_staff"]


def test_new_user_is_prefixed_filled_and_in_the_realm_group():
    user = map_user("alpha", CLAIMS)
    assert user.username == "alpha__dana"
    assert (user.first_name, user.last_name, user.email) == ("Dana", "Diaz", "dana@alpha.test")
    assert list(user.groups.values_list("name", flat=True)) == ["alpha"]


def test_the_realm_group_is_created_only_for_new_users():
    map_user("alpha", CLAIMS)
    Group.objects.filter(name="alpha").delete()
    map_user("alpha", {**CLAIMS, "email": "new@alpha.test"})  # an update, not a creation
    assert not Group.objects.filter(name="alpha").exists()


def test_unchanged_claims_cost_no_query_when_cached():
    map_user("alpha", CLAIMS)
    with CaptureQueriesContext(connection) as queries:
        user = map_user("alpha", CLAIMS)
    assert len(queries) == 0 and user.username == "alpha__dana"


def test_changed_claims_update_the_row_once():
    map_user("alpha", CLAIMS)
    with CaptureQueriesContext(connection) as queries:
        map_user("alpha", {**CLAIMS, "family_name": "Dias"})
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert get_user_model().objects.get(username="alpha__dana").last_name == "Dias"


def test_a_claim_not_sent_leaves_its_field_alone():
    """A way in without an email (a CAS server releasing none) keeps the stored one."""
    map_user("alpha", CLAIMS)
    without_email = {key: value for key, value in CLAIMS.items() if key != "email"}
    map_user("alpha", {**without_email, "family_name": "Dias"})
    dana = get_user_model().objects.get(username="alpha__dana")
    assert (dana.email, dana.last_name) == ("dana@alpha.test", "Dias")


@pytest.mark.parametrize("claims", [{}, {"preferred_username": ""},
                                    {"preferred_username": 5},
                                    {"preferred_username": "x" * 200}])
def test_claims_without_a_usable_name_map_to_nobody(claims):
    assert map_user("alpha", claims) is None
    assert not get_user_model().objects.exists()


def test_hook_maps_roles_to_staff(settings):
    settings.KEYCLOAK_USER_MAPPER = "tests.eha_auth.test_user_mapping.StaffFromRoles"
    assert map_user("alpha", CLAIMS).is_staff is True
    assert map_user("alpha", {**CLAIMS, "realm_access": {"roles": []}}).is_staff is False
    assert get_user_model().objects.get(username="alpha__dana").is_staff is False


def test_hook_applies_to_gateway_users(client, idp, settings):
    settings.KEYCLOAK_USER_MAPPER = "tests.eha_auth.test_user_mapping.StaffFromRoles"
    client.get(f"/alpha/{SERVICE}/whoami/", HTTP_X_OAUTH_TOKEN=idp.gateway_token("alpha", "bob"))
    assert get_user_model().objects.get(username="alpha__bob").is_staff is True


def test_no_creation_when_switched_off():
    class ExistingOnly(UserMapper):
        create_users = False

    assert ExistingOnly().map_user("alpha", CLAIMS) is None
    get_user_model().objects.create_user("alpha__dana")
    assert ExistingOnly().map_user("alpha", CLAIMS).username == "alpha__dana"


def test_group_change_drops_the_cached_user():
    user = map_user("alpha", CLAIMS)
    user.groups.add(Group.objects.create(name="extra"))
    with CaptureQueriesContext(connection) as queries:
        map_user("alpha", CLAIMS)
    assert len(queries) >= 1  # read again after the change


# -- the provider account (realm, sub) identifies the user ---------------------------------


def account_claims(settings, sub: str, name: str = "dana", **extra) -> dict:
    """Claims as the realm's issuer sends them: ``sub`` names the account."""
    issuer = getattr(settings, "KEYCLOAK_ISSUER_URL", None) or settings.KEYCLOAK_SERVER_URL
    return {**CLAIMS, "iss": f"{issuer}/alpha", "sub": sub,
            "preferred_username": name, **extra}


def test_claims_of_the_realms_issuer_link_the_user_to_the_account(settings):
    user = map_user("alpha", account_claims(settings, "sub-1"))
    assert OidcIdentity.objects.get(realm="alpha", sub="sub-1").user == user


def test_claims_of_another_issuer_are_found_by_name_and_not_linked(settings):
    claims = {**account_claims(settings, "sub-1"), "iss": "https://elsewhere.test/"}
    assert map_user("alpha", claims).username == "alpha__dana"
    assert not OidcIdentity.objects.exists()


def test_the_account_is_found_whatever_its_name(settings):
    first = map_user("alpha", account_claims(settings, "sub-1"))
    with CaptureQueriesContext(connection) as queries:
        renamed = map_user("alpha", account_claims(settings, "sub-1", "dina"))
    assert renamed.pk == first.pk and renamed.username == "alpha__dina"
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1  # the username only: the other fields did not change


def test_a_new_account_never_takes_an_old_accounts_user(settings, caplog):
    first = map_user("alpha", account_claims(settings, "sub-1"))
    with caplog.at_level(logging.WARNING, logger="eha_auth.oidc"):
        assert map_user("alpha", account_claims(settings, "sub-2")) is None
    assert "user alpha__dana of realm alpha refused" in caplog.text
    assert list(get_user_model().objects.all()) == [first]


def test_deleting_the_link_lets_the_new_account_have_the_user(settings):
    """What an administrator does to hand a user to the new account (docs/eha_auth/users.md)."""
    first = map_user("alpha", account_claims(settings, "sub-1"))
    assert map_user("alpha", account_claims(settings, "sub-2")) is None
    OidcIdentity.objects.filter(user=first).delete()
    assert map_user("alpha", account_claims(settings, "sub-2")).pk == first.pk
    assert map_user("alpha", account_claims(settings, "sub-1")) is None  # at once, not cached


def test_an_over_long_subject_is_refused(settings):
    assert map_user("alpha", account_claims(settings, "s" * 256)) is None
    assert not get_user_model().objects.exists()


def test_an_inactive_linked_user_stays_out_after_a_rename(settings):
    user = map_user("alpha", account_claims(settings, "sub-1"))
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    local_users.clear()
    assert map_user("alpha", account_claims(settings, "sub-1", "dina")) is None


def test_login_of_a_new_account_with_an_old_name_is_refused(client, settings, idp):
    """Keycloak login (the password grant) maps users as gateway tokens do."""
    name = f"relogin-{secrets.token_hex(4)}"
    logcheck.register(seed.password("alpha", name))
    settings.KEYCLOAK_BEHIND_SCENES = True
    form = {"realm": "alpha", "username": name, "password": seed.password("alpha", name)}
    profile = {"first_name": "Re", "last_name": "Login", "email": f"{name}@alpha.test"}
    idp.create_user("alpha", name, **profile)  # a full profile: Verify Profile is satisfied
    assert client.post(LOGIN, form).status_code == 302
    client.logout()
    idp.delete_user("alpha", name)
    idp.create_user("alpha", name, **profile)
    answer = client.post(LOGIN, form)
    assert answer.status_code == 400 and client.get("/whoami/").json()["user"] is None
