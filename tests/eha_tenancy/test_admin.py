"""The ModelAdmin mixin: staff see their realm, superusers every realm with a filter."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from eha_tenancy import unscoped
from tests.eha_tenancy.conftest import make_user
from tests.eha_tenancy.testapp.models import Project

pytestmark = pytest.mark.django_db


def admin_client(user, realm=None) -> Client:
    client = Client(**({"HTTP_EHA_REALM": realm} if realm else {}))
    client.force_login(user)
    return client


def changelist_names(response) -> list[str]:
    assert response.status_code == 200
    return sorted(obj.name for obj in response.context["cl"].result_list)


@pytest.fixture
def editor(world):
    user = make_user("editor", "a", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_project", "change_project", "view_answer"]))
    return user


def test_staff_see_their_realm_only(tenancy, world, editor):
    client = admin_client(editor, "a")
    names = changelist_names(client.get("/admin/tenancy_testapp/project/"))
    assert names == ["project-a"]
    assert client.get(f"/admin/tenancy_testapp/project/{world.b.project.pk}/change/") \
        .status_code == 302  # Django's "does not exist" redirect, nothing shown
    answers = admin_client(editor, "a").get("/admin/tenancy_testapp/answer/")
    assert [a.value for a in answers.context["cl"].result_list] == ["answer-a"]


def test_superusers_see_and_filter_every_realm(tenancy, world):
    client = admin_client(world.users.root)
    response = client.get("/admin/tenancy_testapp/project/")
    assert changelist_names(response) == ["project-a", "project-b", "project-c"]
    assert "realm" in response.context["cl"].list_display
    filtered = client.get("/admin/tenancy_testapp/project/?realm=b")
    assert changelist_names(filtered) == ["project-b"]
    answers = client.get("/admin/tenancy_testapp/answer/?survey__project__realm=c")
    assert [a.value for a in answers.context["cl"].result_list] == ["answer-c"]


def test_superuser_edit_keeps_the_object_in_its_realm(tenancy, world):
    client = admin_client(world.users.root)
    response = client.post(f"/admin/tenancy_testapp/project/{world.b.project.pk}/change/",
                           {"name": "edited", "owner": ""})
    assert response.status_code == 302, response.content
    with unscoped():
        project = Project.all_realms.get(pk=world.b.project.pk)
    assert (project.name, project.realm) == ("edited", "b")


def test_superusers_limited_when_the_setting_is_off(tenancy, world):
    tenancy.REALM_SUPERUSER_ALL_REALMS = False
    world.users.root.groups.add(*world.users.alice.groups.all())
    names = changelist_names(admin_client(world.users.root, "a")
                             .get("/admin/tenancy_testapp/project/"))
    assert names == ["project-a"]
