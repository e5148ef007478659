"""eha_tenancy: realms (tenants) whose data cannot leak into one another."""

from .decorators import realm_exempt, realm_public
from .exceptions import InvalidRealm, RealmForbidden, RealmMismatch, RealmRequired
from .filters import filter_by_realm, is_accessible_by_realm
from .headers import add_current_realm_in_headers, add_instance_realm_in_headers
from .membership import (
    add_user_to_realm,
    check_user_in_realm,
    filter_users_by_realm,
    remove_user_from_realm,
)
from .names import realm_context
from .requests import get_current_realm
from .state import get_active_realm, unscoped

__all__ = [
    "InvalidRealm",
    "RealmForbidden",
    "RealmMismatch",
    "RealmRequired",
    "add_current_realm_in_headers",
    "add_instance_realm_in_headers",
    "add_user_to_realm",
    "check_user_in_realm",
    "filter_by_realm",
    "filter_users_by_realm",
    "get_active_realm",
    "get_current_realm",
    "is_accessible_by_realm",
    "realm_context",
    "realm_exempt",
    "realm_public",
    "remove_user_from_realm",
    "unscoped",
]
