"""URLs of the eha_auth tests: every page of the app, and small views to call."""

from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from eha_auth.apitokens.drf import RealmBasicAuthentication, RealmTokenAuthentication
from eha_auth.apitokens.views import TokenView


@api_view(["GET"])
@authentication_classes([RealmTokenAuthentication, RealmBasicAuthentication])
@permission_classes([IsAuthenticated])
def whoami(request, realm=None):
    return Response({"username": request.user.get_username()})


@api_view(["GET"])
@authentication_classes([RealmBasicAuthentication, RealmTokenAuthentication])
@permission_classes([IsAuthenticated])
def whoami_basic_first(request, realm=None):
    return Response({"username": request.user.get_username()})


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def open_view(request, realm=None):
    return Response({"username": None})


def page(request):
    user = request.user
    return JsonResponse({"authenticated": user.is_authenticated,
                         "username": user.get_username() if user.is_authenticated else None,
                         "roles": request.session.get("roles"),
                         "realm": request.session.get("eha_realm"),
                         "groups": sorted(user.groups.values_list("name", flat=True))
                         if user.is_authenticated and user.pk else []})


def public(request, **kwargs):
    return HttpResponse("public")


urlpatterns = [
    path("", include("tests.urls")),
    path("accounts/", include("eha_auth.accounts.urls")),
    path("accounts/cas/", include("eha_auth.cas.urls")),
    path("proxy/", include("eha_auth.proxy.urls")),
    path("", include("eha_auth.apitokens.urls")),
    path("<str:realm>/token", TokenView.as_view()),
    path("api/whoami", whoami),
    path("api/whoami-basic", whoami_basic_first),
    path("api/open", open_view),
    path("<str:realm>/api/whoami", whoami),
    path("<str:realm>/api/whoami-basic", whoami_basic_first),
    path("page", page),
    path("public", public),
    path("public/items/<int:pk>", public),
]

urlpatterns += [
    path("<str:realm>/accounts/", include("eha_auth.accounts.urls", namespace="realm-accounts")),
]
