"""eha_tenancy: realms (tenants) whose data cannot leak into one another."""

from .decorators import realm_exempt, realm_public
from .exceptions import InvalidRealm, RealmForbidden, RealmMismatch, RealmRequired
from .realms import (
    add_current_realm_in_headers,
    add_instance_realm_in_headers,
    add_user_to_realm,
    check_user_in_realm,
    filter_by_realm,
    filter_users_by_realm,
    get_current_realm,
    is_accessible_by_realm,
    remove_user_from_realm,
)
from .state import get_active_realm, realm_context, unscoped

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
