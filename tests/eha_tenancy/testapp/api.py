"""The test app's DRF API: the shape a project writes with eha_tenancy.contrib.drf."""

from django.contrib.auth import get_user_model
from rest_framework import routers, serializers, viewsets
from rest_framework.pagination import CursorPagination

from eha_tenancy.contrib.drf import MtModelSerializer, MtUserViewSetMixin, MtViewSetMixin

from .models import Answer, Project, Survey


class ByPk(CursorPagination):
    ordering = "pk"
    page_size = 50


class ProjectSerializer(MtModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "owner", "realm"]


class SurveySerializer(MtModelSerializer):
    class Meta:
        model = Survey
        fields = ["id", "name", "project"]


class AnswerSerializer(MtModelSerializer):
    class Meta:
        model = Answer
        fields = ["id", "value", "survey", "assignee"]


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]


class ProjectViewSet(MtViewSetMixin, viewsets.ModelViewSet):
    queryset = Project.all_realms.select_related("owner")
    serializer_class = ProjectSerializer
    pagination_class = ByPk


class SurveyViewSet(MtViewSetMixin, viewsets.ModelViewSet):
    queryset = Survey.all_realms.all()
    serializer_class = SurveySerializer
    pagination_class = ByPk


class AnswerViewSet(MtViewSetMixin, viewsets.ModelViewSet):
    queryset = Answer.all_realms.all()
    serializer_class = AnswerSerializer
    pagination_class = ByPk


class PublicProjectViewSet(MtViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The realm's projects, for anonymous visitors too."""

    realm_public = True
    queryset = Project.all_realms.all()
    serializer_class = ProjectSerializer
    pagination_class = ByPk


class UserViewSet(MtUserViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = get_user_model().objects.order_by("pk")
    serializer_class = UserSerializer


router = routers.DefaultRouter()
router.register("projects", ProjectViewSet)
router.register("surveys", SurveyViewSet)
router.register("answers", AnswerViewSet)
router.register("users", UserViewSet)
router.register("public-projects", PublicProjectViewSet, basename="public-project")
