"""UserMapper: realm-prefixed users from claims, hooks to customise, writes only on change."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eha_auth.oidc.users import UserMapper, map_user
from tests.eha_auth.conftest import SERVICE

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
