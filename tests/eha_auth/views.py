"""Views the eha_auth tests mount through gateway_urlpatterns."""

from django.http import JsonResponse
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
