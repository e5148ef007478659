"""URLs of the tenancy tests: the API at /api/ and under gateway paths /<realm>/svc/api/."""

from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from eha_tenancy import (
    RealmRequired,
    check_user_in_realm,
    filter_by_realm,
    filter_users_by_realm,
    get_active_realm,
    get_current_realm,
    realm_exempt,
    realm_public,
)

from .testapp.api import router
from .testapp.models import Project


def names(request):
    """The active realm's projects, through the default manager."""
    return JsonResponse({"realm": request.realm, "active": get_active_realm(),
                         "names": list(Project.objects.values_list("name", flat=True))})


@realm_public
def public_names(request, realm=None):
    """A plain Django view open to anonymous users."""
    return names(request)


def private_names(request, realm=None):
    """A plain Django view: members only (anonymous users get 403 at the first query)."""
    return names(request)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def plain_api(request):
    """A DRF view without the mixins: users authenticate inside it (Basic), after the
    middleware; the default manager still refuses a realm the user is not a member of."""
    return Response({"names": list(Project.objects.values_list("name", flat=True))})


@realm_exempt
def sign_out(request):
    """Answers whatever the realm; realm data stays out of reach when it is refused."""
    try:
        names = list(Project.objects.values_list("name", flat=True))
    except RealmRequired:
        names = None
    try:
        filtered = list(filter_by_realm(request, Project.all_realms.values_list("name",
                                                                                flat=True)))
    except RealmRequired:
        filtered = None
    return JsonResponse({"realm": request.realm, "names": names, "filtered": filtered,
                         "current": get_current_realm(request),
                         "member": check_user_in_realm(request, request.user),
                         "users": filter_users_by_realm(request, User.objects).count()})


def broken(request):
    raise RuntimeError("the view failed")


def streaming_realm(request):
    return HttpResponse(str(get_active_realm()))


urlpatterns = [
    path("", include("eha_tenancy.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("<str:realm>/svc/api/", include(router.urls)),
    path("names", public_names),
    path("private-names", private_names),
    path("<str:realm>/svc/names", public_names),
    path("plain-api", plain_api),
    path("sign-out", sign_out),
    path("broken", broken),
    path("active", streaming_realm),
]
