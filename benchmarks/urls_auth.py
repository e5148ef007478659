"""One DRF view reached two ways: with token authentication, and open (AllowAny)."""

from django.urls import include, path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eha_auth.apitokens.drf import RealmTokenAuthentication

ITEMS = [{"id": i, "name": f"item {i}", "active": i % 2 == 0} for i in range(50)]


class Items(APIView):
    def get(self, request):
        return Response(ITEMS)


urlpatterns = [
    path("api/items-token", Items.as_view(authentication_classes=[RealmTokenAuthentication],
                                          permission_classes=[IsAuthenticated])),
    path("api/items-open", Items.as_view(authentication_classes=[],
                                         permission_classes=[AllowAny])),
    path("", include("benchmarks.urls")),
]
