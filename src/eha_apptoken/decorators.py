"""``app_token_required``: views that need a working token for every external app."""

from __future__ import annotations

import logging
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from . import client, proxy
from .conf import app_settings
from .models import AppToken

logger = logging.getLogger(__name__)


def has_app_tokens(request) -> bool:
    """Return True when the user has (or can obtain) a working token for every app."""
    for app in app_settings.EXTERNAL_APPS:
        try:
            base = proxy.base_url(app, request)
            if AppToken.objects.usable_token(request.user, app, base) is None:
                return False
        except (client.RequestException, proxy.BadProxyRequest) as exc:
            logger.warning("eha_apptoken: %s unreachable (%s)", app, type(exc).__name__)
            return False
    return True


def app_token_required(function=None, *, redirect_field_name: str = "next",
                       tokens_url: str | None = None):
    """Require a signed-in user with a working token for every app in EXTERNAL_APPS.

    Anonymous users go to the login page; users whose token for some app cannot
    be obtained go to the tokens page (``eha_apptoken:check-user-tokens``).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if has_app_tokens(request):
                return view(request, *args, **kwargs)
            target = tokens_url or reverse("eha_apptoken:check-user-tokens")
            return redirect_to_login(request.get_full_path(), target, redirect_field_name)

        return login_required(wrapped, redirect_field_name=redirect_field_name)

    return decorator(function) if function else decorator
