"""A UserMapper subclass the tests name in KEYCLOAK_USER_MAPPER, to see every way in use it."""

from __future__ import annotations

from django.contrib.auth.models import Group

from eha_auth.oidc.users import UserMapper

MAPPER = "tests.eha_auth.mappers.StaffFromRoles"
STAFF_ROLES = {"admin", "analysts", "manager"}
MARK = "mapped"


class StaffFromRoles(UserMapper):
    """Staff for a role in STAFF_ROLES; every user it maps joins the Group MARK."""

    def map_roles(self, user, realm, claims):
        user.groups.add(Group.objects.get_or_create(name=MARK)[0])
        is_staff = bool(STAFF_ROLES & set(self.get_roles(claims)))
        if user.is_staff == is_staff:
            return []
        user.is_staff = is_staff
        return ["is_staff"]


def was_mapped(user) -> bool:
    """Return whether StaffFromRoles mapped ``user``."""
    return user.groups.filter(name=MARK).exists()
