"""Role checks on the accounts listed in a proxy session (``roles`` in the payload).

The payload holds ``roles: {role: [{"slug", "printable_name", "subscriptions"}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest


def get_accessibles(request: HttpRequest, roles: Iterable[str] | None = None) -> list[dict]:
    """Return the accounts (dicts) on which the user has one of ``roles`` (any role: None)."""
    wanted = None if roles is None else set(roles)
    session_roles = request.session.get("roles") if hasattr(request, "session") else None
    if not isinstance(session_roles, dict):
        return []
    accounts: list[dict] = []
    for role, entries in session_roles.items():
        if (wanted is None or role in wanted) and isinstance(entries, list):
            accounts.extend(e for e in entries if isinstance(e, dict) and e.get("slug"))
    return accounts


class AccessiblesMixin:
    """Answer which accounts ``request.user`` manages or reaches, from the proxy session."""

    manager_role = "manager"
    request: HttpRequest  # set by the view

    def get_accessibles(self, request: HttpRequest,
                        roles: Iterable[str] | None = None) -> list[dict]:
        """Return the account dicts the user has one of ``roles`` on."""
        return get_accessibles(request, roles)

    def get_managed(self, request: HttpRequest) -> list[dict]:
        """Return the account dicts the user is a manager of."""
        return self.get_accessibles(request, [self.manager_role])

    def accessibles(self, roles: Iterable[str] | None = None) -> list[str]:
        """Return the slugs of the accounts the user has one of ``roles`` on."""
        return list(dict.fromkeys(a["slug"] for a in self.get_accessibles(self.request, roles)))

    @property
    def managed_accounts(self) -> list[str]:
        """Return the slugs of the accounts the user is a manager of."""
        return self.accessibles([self.manager_role])

    def manages(self, account) -> bool:
        """Return whether the user is a manager of ``account`` (a slug, or str()-able)."""
        return str(account) in self.managed_accounts
