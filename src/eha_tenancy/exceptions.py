"""Errors raised when realm data would be read or written outside its realm."""

from django.core.exceptions import PermissionDenied


class RealmRequired(Exception):
    """A realm model was queried or saved with tenancy on and no realm active."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (
            "No realm is active: realm models cannot be queried or saved. Run the code "
            "inside a request through RealmMiddleware, inside realm_context(realm), or "
            "explicitly across realms inside unscoped() or through Model.all_realms "
            "(class-level querysets: use Model.all_realms.all(), which the mixins scope "
            "per request; dumpdata: pass --all)."))


class RealmMismatch(PermissionDenied):
    """An object would be written into, or moved to, another realm than the active one."""


class RealmForbidden(PermissionDenied):
    """The request's user may not use the realm's data (not a member, or anonymous)."""


class InvalidRealm(ValueError):
    """A realm name is malformed (empty, too long, or with characters not allowed)."""
