"""The demo's realm-scoped API: /api/notes/ (GET, POST, PATCH, DELETE)."""

from rest_framework import routers, viewsets
from rest_framework.pagination import CursorPagination

from eha_tenancy.contrib.drf import MtModelSerializer, MtViewSetMixin

from .models import Note


class NotePages(CursorPagination):
    ordering = "pk"
    page_size = 50


class NoteSerializer(MtModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "title", "body", "author", "realm"]


class NoteViewSet(MtViewSetMixin, viewsets.ModelViewSet):
    queryset = Note.all_realms.all()  # limited to the request's realm by the mixin
    serializer_class = NoteSerializer
    pagination_class = NotePages


router = routers.DefaultRouter()
router.register("notes", NoteViewSet)

urlpatterns = router.urls
