"""Views the eha_auth tests mount through gateway_urlpatterns."""

import time

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eha_auth.gateway.drf import GatewayAuthentication
from eha_auth.keycloak.drf import KeycloakBearerAuthentication


def whoami(request, realm=None):
    user = request.user
    return JsonResponse({"user": user.get_username() if user.is_authenticated else None,
                         "realm": realm, "session_realm": request.session.get("eha_realm")})


@csrf_exempt
@require_http_methods(["POST"])
def expire_tokens(request):
    """Leave the session's access token 5 s to live, so the next request refreshes it.

    What a clock jump would do, in a server process the test cannot reach into.
    """
    tokens = request.session["eha_auth_oidc"]
    tokens["expires_at"] = time.time() + 5
    request.session["eha_auth_oidc"] = tokens
    return JsonResponse({"expires_at": tokens["expires_at"]})


@require_http_methods(["POST"])
def change(request, realm=None):
    return JsonResponse({"user": request.user.get_username()})


class Items(APIView):
    authentication_classes = [GatewayAuthentication, KeycloakBearerAuthentication,
                              SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request, realm=None):
        return Response({"user": request.user.get_username(), "realm": realm,
                         "items": [{"n": n} for n in range(3)]})
