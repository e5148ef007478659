"""URLs of the tenancy tests: the API at /api/ and under gateway paths /<realm>/svc/api/."""

from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import include, path

from eha_tenancy import get_active_realm

from .testapp.api import router
from .testapp.models import Project


def project_names(request, realm=None):
    """A plain Django view: lists the active realm's projects through the default manager."""
    return JsonResponse({"realm": request.realm, "active": get_active_realm(),
                         "names": list(Project.objects.values_list("name", flat=True))})


def broken(request):
    raise RuntimeError("the view failed")


def streaming_realm(request):
    return HttpResponse(str(get_active_realm()))


urlpatterns = [
    path("", include("eha_tenancy.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("<str:realm>/svc/api/", include(router.urls)),
    path("names", project_names),
    path("<str:realm>/svc/names", project_names),
    path("broken", broken),
    path("active", streaming_realm),
]
