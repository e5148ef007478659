"""View decorators."""

from __future__ import annotations

from collections.abc import Callable


def realm_exempt(view: Callable) -> Callable:
    """Mark a view that must answer whatever the realm (sign-in, sign-out pages).

    RealmMiddleware still resolves the realm; when the user may not use it, the
    view runs with ``request.realm = None`` and no realm active (realm models
    raise RealmRequired) instead of the 403. Any app may set the same
    ``realm_exempt = True`` attribute on a view without importing this one.
    """
    view.realm_exempt = True  # type: ignore[attr-defined]  # a function or class attribute
    return view


def realm_public(view: Callable) -> Callable:
    """Let anonymous users read and write the request realm's data in this view.

    Works on view functions and view classes (``realm_public = True`` as a class
    attribute does the same). Without it, an anonymous request gets its realm
    (``request.realm``) but a realm model queried in the view raises
    RealmForbidden (403); so does one with it, for a realm that does not exist.
    """
    view.realm_public = True  # type: ignore[attr-defined]  # a function or class attribute
    return view
