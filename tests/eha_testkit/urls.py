"""A view behind every way in, mounted through gateway_urlpatterns (service ``svc``)."""

from django.urls import path
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eha_auth.apitokens.drf import RealmTokenAuthentication
from eha_auth.gateway.drf import GatewayAuthentication
from eha_auth.gateway.urls import gateway_urlpatterns
from eha_auth.keycloak.drf import KeycloakBearerAuthentication


class Me(APIView):
    authentication_classes = [GatewayAuthentication, KeycloakBearerAuthentication,
                              RealmTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request, realm=None):
        return Response({"user": request.user.get_username(), "realm": request.realm,
                         "via": type(request.successful_authenticator).__name__})


urlpatterns = gateway_urlpatterns([path("me/", Me.as_view())])
