"""The demo's URLs plus one realm-scoped note list reached four ways.

Every variant runs the same view (the same queries: the realm's notes); only the way
the caller is authenticated differs, so their cost per request compares:

- ``/load/open/notes/``: no authentication, the realm from the Eha-Realm header;
- ``/<realm>/<GATEWAY_SERVICE_ID>/load/notes/``: the gateway's token;
- ``/load/token/notes/``: ``Authorization: Token <key>`` (eha_auth API token);
- ``/load/session/notes/``: the session cookie of a password login.
"""

from django.urls import path
from example.demo.api import NoteSerializer
from example.demo.models import Note
from example.urls import urlpatterns as demo_urlpatterns
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated

from eha_auth.apitokens.drf import RealmTokenAuthentication
from eha_auth.gateway.drf import GatewayAuthentication
from eha_auth.gateway.urls import gateway_urlpatterns


class Notes(ListAPIView):
    """The request realm's notes (the realm middleware scopes the query)."""

    serializer_class = NoteSerializer
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Note.objects.all()


class OpenNotes(Notes):
    authentication_classes = []
    permission_classes = [AllowAny]
    realm_public = True  # anonymous callers read the realm's notes here


urlpatterns = [
    path("load/open/notes/", OpenNotes.as_view()),
    path("load/token/notes/", Notes.as_view(authentication_classes=[RealmTokenAuthentication])),
    path("load/session/notes/", Notes.as_view()),
    *gateway_urlpatterns([path("load/notes/", Notes.as_view(
        authentication_classes=[GatewayAuthentication]))]),
    *demo_urlpatterns,
]
