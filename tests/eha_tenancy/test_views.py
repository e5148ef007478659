"""/admin/~realms: staff only, realms in use with DEFAULT_REALM, a placeholder when off."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.eha_tenancy.conftest import make_user

pytestmark = pytest.mark.django_db


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lists_realms_in_use_and_the_default(tenancy, world):
    staff = make_user("staffer", "a", is_staff=True)
    response = staff_client(staff).get("/admin/~realms", HTTP_EHA_REALM="a")
    assert response.status_code == 200
    assert response.json() == {"realms": ["a", "b", "c", "eha"]}
    # whatever realm the request names: the list is not one realm's data
    assert staff_client(staff).get("/admin/~realms", HTTP_EHA_REALM="b").json() == {
        "realms": ["a", "b", "c", "eha"]}


def test_not_for_anonymous_or_non_staff(tenancy, world):
    assert Client().get("/admin/~realms").status_code == 403
    response = staff_client(world.users.alice).get("/admin/~realms", HTTP_EHA_REALM="a")
    assert response.status_code == 403


def test_placeholder_when_tenancy_is_off(tenancy_off, world):
    response = staff_client(world.users.root).get("/admin/~realms")
    assert response.json() == {"realms": ["~"]}


def test_only_safe_methods(tenancy, world):
    assert staff_client(world.users.root).post("/admin/~realms").status_code == 405
