"""``/admin/~realms``: the realms in use, for staff."""

from __future__ import annotations

from django.apps import apps
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from .conf import app_settings
from .decorators import realm_exempt
from .models import MtModelAbstract
from .state import unscoped


@realm_exempt  # lists every realm: the request's own realm does not matter
@require_safe
def realms(request: HttpRequest) -> JsonResponse:
    """Return ``{"realms": [...]}``: the realms holding data, DEFAULT_REALM always in."""
    user = getattr(request, "user", None)
    if user is None or not (user.is_active and user.is_staff):
        return JsonResponse({"detail": "Staff only."}, status=403)
    if not app_settings.MULTITENANCY:
        return JsonResponse({"realms": [app_settings.NO_MULTITENANCY_REALM]})
    return JsonResponse({"realms": sorted(realms_in_use())})


def realms_in_use() -> set[str]:
    """Return the realms of every realm model's rows, and DEFAULT_REALM."""
    found = {app_settings.DEFAULT_REALM}
    with unscoped():
        for model in apps.get_models():
            if issubclass(model, MtModelAbstract):
                found.update(model.all_realms.order_by().values_list("realm", flat=True)
                             .distinct())
    return found
