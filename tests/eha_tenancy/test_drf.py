"""DRF: scoped viewsets, realm-limited relations, HEAD is-accessible, startup refusal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from eha_tenancy import realm_context, unscoped
from eha_tenancy.contrib.drf import MtViewSetMixin
from tests.eha_tenancy.testapp.api import ProjectViewSet
from tests.eha_tenancy.testapp.models import Answer, Plain, Project, Survey

pytestmark = pytest.mark.django_db


def api(user, realm) -> Client:
    client = Client(HTTP_EHA_REALM=realm)
    client.force_login(user)
    return client


def test_list_and_retrieve_show_the_realm_only(tenancy, world):
    client = api(world.users.alice, "a")
    body = client.get("/api/projects/").json()
    assert [p["name"] for p in body["results"]] == ["project-a"]
    assert [a["value"] for a in client.get("/api/answers/").json()["results"]] == ["answer-a"]
    assert client.get(f"/api/projects/{world.a.project.pk}/").status_code == 200
    assert client.get(f"/api/projects/{world.b.project.pk}/").status_code == 404
    assert client.get(f"/api/answers/{world.b.answer.pk}/").status_code == 404


def test_create_lands_in_the_realm_and_realm_is_read_only(tenancy, world):
    client = api(world.users.bob, "b")
    response = client.post("/api/projects/", {"name": "new", "realm": "a"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["realm"] == "b"
    with unscoped():
        assert Project.all_realms.get(name="new").realm == "b"


def test_update_and_delete_of_other_realms_are_404(tenancy, world):
    client = api(world.users.alice, "a")
    pk = world.b.project.pk
    assert client.patch(f"/api/projects/{pk}/", {"name": "x"},
                        content_type="application/json").status_code == 404
    assert client.delete(f"/api/projects/{pk}/").status_code == 404
    assert client.delete(f"/api/answers/{world.b.answer.pk}/").status_code == 404
    with unscoped():
        assert Project.all_realms.get(pk=pk).name == "project-b"
        assert Answer.all_realms.filter(pk=world.b.answer.pk).exists()


@pytest.mark.parametrize("path,payload", [
    ("/api/surveys/", lambda w: {"name": "s", "project": w.b.project.pk}),
    ("/api/answers/", lambda w: {"value": "v", "survey": w.b.survey.pk}),
    ("/api/answers/", lambda w: {"value": "v", "survey": w.a.survey.pk,
                                 "assignee": w.users.bob.pk}),
    ("/api/projects/", lambda w: {"name": "p", "owner": w.users.carol.pk}),
])
def test_cross_realm_foreign_keys_are_400_and_never_saved(tenancy, world, path, payload):
    with unscoped():
        before = (Project.objects.count(), Survey.objects.count(), Answer.objects.count())
    response = api(world.users.alice, "a").post(path, payload(world),
                                                content_type="application/json")
    assert response.status_code == 400, response.content
    with unscoped():
        assert (Project.objects.count(), Survey.objects.count(),
                Answer.objects.count()) == before


def test_reassigning_a_foreign_key_to_another_realm_is_400(tenancy, world):
    client = api(world.users.alice, "a")
    response = client.patch(f"/api/surveys/{world.a.survey.pk}/",
                            {"project": world.b.project.pk}, content_type="application/json")
    assert response.status_code == 400
    with unscoped():
        assert Survey.objects.get(pk=world.a.survey.pk).project_id == world.a.project.pk


def test_same_realm_foreign_keys_and_members_are_accepted(tenancy, world):
    client = api(world.users.dave, "a")
    response = client.post("/api/answers/", {"value": "v", "survey": world.a.survey.pk,
                                             "assignee": world.users.alice.pk},
                           content_type="application/json")
    assert response.status_code == 201, response.content


def test_head_is_accessible_is_204_here_and_404_elsewhere(tenancy, world):
    client = api(world.users.alice, "a")
    assert client.head(f"/api/projects/{world.a.project.pk}/is-accessible/").status_code == 204
    assert client.head(f"/api/projects/{world.b.project.pk}/is-accessible/").status_code == 404
    assert client.head("/api/projects/999999/is-accessible/").status_code == 404
    assert client.head(f"/api/answers/{world.b.answer.pk}/is-accessible/").status_code == 404


@pytest.mark.parametrize("pk", ["abc", "-1x", "%20", "1e3", "9" * 30])
def test_head_is_accessible_with_a_pk_that_is_not_one_is_404(tenancy, world, pk):
    client = api(world.users.alice, "a")
    assert client.head(f"/api/projects/{pk}/is-accessible/").status_code == 404
    request = APIRequestFactory().get("/")
    request.realm = "a"
    view = ProjectViewSet(request=Request(request), format_kwarg=None)
    with realm_context("a"):
        assert view.get_object_or_403(pk) is None


def test_get_object_or_403_tells_apart_missing_and_other_realms(tenancy, world):
    request = APIRequestFactory().get("/")
    request.realm = "a"
    view = ProjectViewSet(request=Request(request), format_kwarg=None)
    with realm_context("a"):
        assert view.get_object_or_403(world.a.project.pk) == world.a.project
        assert view.get_object_or_403(999999) is None
        with pytest.raises(PermissionDenied):
            view.get_object_or_403(world.b.project.pk)


def test_anonymous_users_get_no_realm_data(tenancy, world):
    response = Client().get("/api/projects/", HTTP_EHA_REALM="a")
    assert response.status_code == 403
    assert "project-a" not in response.content.decode()


def test_realm_public_viewsets_serve_anonymous_users_their_realm(tenancy, world):
    body = Client().get("/api/public-projects/", HTTP_EHA_REALM="b").json()
    assert [p["name"] for p in body["results"]] == ["project-b"]
    outsider = api(world.users.alice, "b").get("/api/public-projects/")
    assert outsider.status_code == 403  # signed in, not a member


def test_user_viewset_lists_members_of_the_realm(tenancy, world):
    body = api(world.users.alice, "a").get("/api/users/").json()
    assert sorted(u["username"] for u in body) == ["alice", "dave"]


def test_mixin_refuses_at_import_a_queryset_it_cannot_limit():
    with pytest.raises(ImproperlyConfigured, match="has no realm"):
        class PlainViewSet(MtViewSetMixin, viewsets.ModelViewSet):
            queryset = Plain.objects.all()


def test_class_level_queryset_from_the_scoped_manager_fails_closed(tenancy):
    from eha_tenancy import RealmRequired

    with pytest.raises(RealmRequired, match="all_realms"):
        class Early(MtViewSetMixin, viewsets.ModelViewSet):
            queryset = Project.objects.all()


def test_queries_per_list_are_constant_as_the_page_grows(tenancy, world):
    client = api(world.users.alice, "a")
    with realm_context("a"):
        survey = Survey.objects.get(pk=world.a.survey.pk)
        Project.objects.bulk_create([Project(name=f"p{i}", owner=world.users.alice)
                                     for i in range(3)])
        Answer.objects.bulk_create([Answer(value="x", survey=survey) for _ in range(3)])
    client.get("/api/projects/")  # membership now cached
    counts = []
    for more in (0, 60):
        with realm_context("a"):
            Project.objects.bulk_create([Project(name=f"q{i}") for i in range(more)])
            Answer.objects.bulk_create([Answer(value="y", survey=survey,
                                               assignee=world.users.dave)
                                        for _ in range(more)])
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get("/api/projects/").json()["results"]) >= 4
            assert len(client.get("/api/answers/").json()["results"]) >= 4
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_tenancy_off_lists_everything(tenancy_off, world):
    client = Client()
    client.force_login(world.users.alice)
    body = client.get("/api/projects/").json()
    assert sorted(p["name"] for p in body["results"]) == ["project-a", "project-b",
                                                          "project-c"]
    assert client.post("/api/surveys/", {"name": "s", "project": world.b.project.pk},
                       content_type="application/json").status_code == 201
