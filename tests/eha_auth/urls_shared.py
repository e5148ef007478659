"""URLs of tests/projects/auth_shared.py and of the ASGI tests: who is this request's user."""

from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from eha_auth.apitokens.drf import RealmTokenAuthentication


def described(user) -> dict:
    if not user.is_authenticated:
        return {"user": None, "realms": None}
    return {"user": user.get_username(), "realms": sorted(user.eha_realms)}


def session_user(request, realm=None):
    return JsonResponse(described(request.user))


async def async_user(request, realm=None):
    # request.auser() comes with AuthenticationMiddleware; a gateway path may go without.
    user = (await request.auser() if hasattr(request, "auser")
            else getattr(request, "user", AnonymousUser()))
    return JsonResponse(described(user))


@api_view(["GET"])
@authentication_classes([RealmTokenAuthentication])
@permission_classes([IsAuthenticated])
def token_user(request, realm):
    return Response(described(request.user))


urlpatterns = [
    path("session", session_user),
    path("async/session", async_user),
    path("<str:realm>/api/whoami", token_user),
    path("<str:realm>/svc/whoami", session_user),
    path("<str:realm>/svc/async", async_user),
]
