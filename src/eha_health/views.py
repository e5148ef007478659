"""Health views. They are also answered early by HealthCheckMiddleware."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from . import probes
from .conf import app_settings

logger = logging.getLogger(__name__)


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Answer 200 with an empty body while the process can serve requests."""
    return HttpResponse()


@require_safe
def check_db(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the default database runs ``SELECT 1``, else 500.

    The request's own connection is used and left open: Django's request cycle
    closes or keeps it according to CONN_MAX_AGE, as for any other view.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("check-db: default database unavailable (%s)", type(exc).__name__)
        return HttpResponse("database unavailable", status=500, content_type="text/plain")
    return HttpResponse()


@require_safe
def check_app(request: HttpRequest) -> JsonResponse:
    """Answer the application's name, version and revision as JSON."""
    return JsonResponse(app_settings.APP_INFO)


@require_safe
def check_ready(request: HttpRequest) -> JsonResponse:
    """Run every configured check: 200 when all pass, else 503.

    Staff (or everyone, with HEALTH_SHOW_DETAILS) see each check's status,
    milliseconds and error; other callers see the overall status only.
    """
    results = probes.run_checks()
    ok = all(result.ok for result in results)
    body: dict = {"status": "ok" if ok else "failed"}
    if app_settings.SHOW_DETAILS or _is_staff(request):
        body["checks"] = {result.name: result.as_dict() for result in results}
    return JsonResponse(body, status=200 if ok else 503)


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def answers_without_io(view: Callable) -> bool:
    """Return True when ``view`` answers now without a database, cache or network."""
    if view is check_ready:
        return probes.memoised_results() is not None
    return view in (health, check_app)


VIEWS = {
    "health": health,
    "check-db": check_db,
    "check-app": check_app,
    "check-ready": check_ready,
}
