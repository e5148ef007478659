"""The demo's sign-in page, an API answering who the caller is (session or gateway), and
the realm page every login lands on."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eha_auth.gateway.drf import GatewayAuthentication
from eha_auth.keycloak.drf import KeycloakBearerAuthentication


def auth_page(request):
    return render(request, "demo/auth.html", {
        "idp_url": settings.DEMO_IDP_URL, "service": settings.GATEWAY_SERVICE_ID,
        "realms": settings.KEYCLOAK_REALMS, "oidc": request.session.get("eha_auth_oidc"),
    })


class WhoAmI(APIView):
    """The user, their realm groups, and the realm of the path."""

    authentication_classes = [GatewayAuthentication, KeycloakBearerAuthentication,
                              SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request, realm=None):
        user = request.user
        return Response({
            "username": user.get_username(), "realm": realm,
            "name": user.get_full_name(), "email": user.email,
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "via": type(request.successful_authenticator).__name__,
        })


@login_required
def realm_home(request):
    """The signed-in user's realm and its notes (the realm middleware scopes the query)."""
    from example.demo.models import Note

    return render(request, "demo/realm.html", {
        "realm": request.realm, "notes": [note.title for note in Note.objects.all()]})
