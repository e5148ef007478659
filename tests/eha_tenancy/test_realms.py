"""Membership helpers, realm helpers, outgoing headers, create_user support."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import RequestFactory
from django.utils.module_loading import import_string

from eha_tenancy import (
    InvalidRealm,
    RealmRequired,
    add_current_realm_in_headers,
    add_instance_realm_in_headers,
    add_user_to_realm,
    check_user_in_realm,
    filter_by_realm,
    filter_users_by_realm,
    get_current_realm,
    is_accessible_by_realm,
    realm_context,
    remove_user_from_realm,
)
from tests.eha_tenancy.testapp.models import Answer, Project

pytestmark = pytest.mark.django_db


def request_for(realm=None, path="/names"):
    request = RequestFactory().get(path, **({"HTTP_EHA_REALM": realm} if realm else {}))
    return request


def test_add_remove_check_and_filter_users(tenancy, world):
    erin = User.objects.create_user("erin")
    assert not check_user_in_realm("c", erin)
    add_user_to_realm("c", erin)
    assert check_user_in_realm("c", erin)
    assert sorted(filter_users_by_realm("c", User.objects).values_list("username", flat=True)) \
        == ["carol", "erin"]
    remove_user_from_realm("c", erin)
    assert not check_user_in_realm("c", erin)
    assert Group.objects.filter(name="c").exists()  # the realm stays


def test_adding_a_user_creates_the_group_once(tenancy, world):
    erin = User.objects.create_user("erin")
    add_user_to_realm("new-realm", erin)
    add_user_to_realm("new-realm", world.users.alice)
    assert Group.objects.filter(name="new-realm").count() == 1
    with pytest.raises(InvalidRealm):
        add_user_to_realm("../etc", erin)
    assert not Group.objects.filter(name="../etc").exists()


def test_create_user_support_by_dotted_path(tenancy, world):
    # What a create_user command (-r/--realm) calls, knowing only the dotted path.
    erin = User.objects.create_user("erin")
    import_string("eha_tenancy.add_user_to_realm")("b", erin)
    assert list(erin.groups.values_list("name", flat=True)) == ["b"]


def test_membership_helpers_take_a_request(tenancy, world):
    request = request_for("b")
    assert check_user_in_realm(request, world.users.bob)
    assert not check_user_in_realm(request, world.users.alice)
    assert check_user_in_realm(request, world.users.root)  # superuser, by setting


def test_helpers_are_no_ops_with_tenancy_off(tenancy_off, world):
    erin = User.objects.create_user("erin")
    add_user_to_realm("z", erin)
    assert not Group.objects.filter(name="z").exists()
    assert check_user_in_realm("a", erin)
    assert filter_users_by_realm("a", User.objects).count() == User.objects.count()
    assert get_current_realm(request_for("b")) is None
    assert filter_by_realm("a", Project.objects.all()).count() == 3
    assert is_accessible_by_realm("a", world.b.project)
    assert add_current_realm_in_headers(request_for("b"), {"X": "1"}) == {"X": "1"}
    assert add_instance_realm_in_headers(world.b.project) is None


def test_get_current_realm_reads_the_request(tenancy, world):
    assert get_current_realm(request_for("b")) == "b"
    assert get_current_realm(request_for()) == "eha"
    assert get_current_realm(request_for(path="/c/svc/names")) == "c"
    request = request_for("b")
    request.realm = "a"  # set by the middleware: wins
    assert get_current_realm(request) == "a"
    with realm_context("c"):
        assert get_current_realm() == "c"


def test_filter_and_accessibility_helpers(tenancy, world):
    with realm_context("a"):  # the default manager needs a realm; the filter names another
        assert list(filter_by_realm("a", Project.objects.all())) == [world.a.project]
    assert list(filter_by_realm("b", Project.all_realms.all())) == [world.b.project]
    assert list(filter_by_realm("c", Answer.all_realms.all())) == [world.c.answer]
    assert list(filter_by_realm("b", Answer.all_realms.all(), mt_field="survey__project")) \
        == [world.b.answer]
    assert is_accessible_by_realm(request_for("a"), world.a.answer)
    assert not is_accessible_by_realm(request_for("b"), world.a.answer)
    with pytest.raises(RealmRequired):
        filter_by_realm(None, Project.all_realms.all())


def test_realm_goes_on_to_other_services_as_a_header(tenancy, world):
    assert add_current_realm_in_headers(request_for("b")) == {"Eha-Realm": "b"}
    assert add_current_realm_in_headers(request_for("b"), {"Accept": "x"}) == {
        "Accept": "x", "Eha-Realm": "b"}
    assert add_instance_realm_in_headers(world.c.answer) == {"Eha-Realm": "c"}
