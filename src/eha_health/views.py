"""Health views. They are also answered early by HealthCheckMiddleware."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from . import metrics as app_metrics
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


@require_safe
def check_startup(request: HttpRequest) -> JsonResponse:
    """Answer 200 once the database answers, every cache works and no migration is pending.

    Otherwise 503 naming the failing checks (names only: details are for staff).
    Meant for a startup probe: it runs every time, never from memoised results.
    """
    results = probes.run_startup_checks()
    failed = [result.name for result in results if not result.ok]
    body: dict = {"status": "failed" if failed else "ok"}
    if failed:
        body["failed"] = failed
    if app_settings.SHOW_DETAILS or _is_staff(request):
        body["checks"] = {result.name: result.as_dict() for result in results}
    return JsonResponse(body, status=503 if failed else 200)


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Serve the Prometheus metrics to staff, or to the bearer of HEALTH_METRICS_TOKEN.

    401 without credentials or with a wrong token, 403 for other signed-in users,
    503 when prometheus_client is not installed.
    """
    refusal = _metrics_refusal(request)
    if refusal is not None:
        return refusal
    exposed = app_metrics.exposition()
    if exposed is None:
        return HttpResponse("metrics unavailable: install prometheus_client "
                            "(the eha-django[metrics] extra)", status=503,
                            content_type="text/plain")
    body, content_type = exposed
    return HttpResponse(body, content_type=content_type)


def _metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = app_settings.METRICS_TOKEN
    if scheme.lower() == "bearer":
        if token and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
    elif _is_staff(request):
        return None
    user = getattr(request, "user", None)
    if scheme.lower() != "bearer" and user is not None and user.is_authenticated:
        return HttpResponse("staff only", status=403, content_type="text/plain")
    response = HttpResponse("credentials required", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


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
    "check-startup": check_startup,
}
