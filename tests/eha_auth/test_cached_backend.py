"""CachedModelBackend: a signed-in request costs no user query, and changes apply at once."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.checks import run_checks

pytestmark = pytest.mark.django_db

BACKEND = "eha_auth.accounts.backends.CachedModelBackend"


@pytest.fixture
def signed_in(client, settings, django_user_model):
    from eha_auth.oidc.usercache import local_users

    settings.AUTHENTICATION_BACKENDS = [BACKEND]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.ROOT_URLCONF = "tests.eha_auth.urls_cached"
    local_users.clear()
    user = django_user_model.objects.create_user("eha__alice", password="pw", first_name="Al")
    client.force_login(user)
    assert client.get("/whoami").status_code == 200  # the first request fills the cache
    yield client, user
    local_users.clear()


def test_returning_user_costs_no_query(signed_in, django_assert_num_queries):
    client, _ = signed_in
    with django_assert_num_queries(0):
        assert client.get("/whoami").content.startswith(b"eha__alice|Al|")


def test_plain_model_backend_queries_every_time(signed_in, settings, django_assert_num_queries):
    client, user = signed_in
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    client.force_login(user)
    with django_assert_num_queries(1):
        client.get("/whoami")


def test_each_request_gets_its_own_copy(signed_in):
    client, _ = signed_in
    assert client.get("/whoami").content == b"eha__alice|Al|"
    assert client.get("/whoami").content == b"eha__alice|Al|"


def test_saved_changes_apply_at_once(signed_in):
    client, user = signed_in
    user.first_name = "Alice"
    user.save()
    assert client.get("/whoami").content.startswith(b"eha__alice|Alice|")


def test_deactivated_user_is_signed_out_at_once(signed_in):
    client, user = signed_in
    user.is_active = False
    user.save()
    assert client.get("/whoami").content.startswith(b"|")  # anonymous


def test_deleted_user_is_signed_out_at_once(signed_in):
    client, user = signed_in
    user.delete()
    assert client.get("/whoami").content.startswith(b"|")


def test_password_change_signs_out(signed_in):
    client, user = signed_in
    user.set_password("new-password")
    user.save()
    assert client.get("/whoami").content.startswith(b"|")


@pytest.mark.parametrize("change", ["user_groups", "group_users", "permissions"])
def test_membership_changes_drop_the_cached_user(signed_in, change,
                                                 django_assert_num_queries):
    client, user = signed_in
    group = Group.objects.create(name="eha")
    if change == "user_groups":
        user.groups.add(group)
    elif change == "group_users":
        group.user_set.add(user)
    else:
        user.user_permissions.add(Permission.objects.first())
    with django_assert_num_queries(2):  # the user and its realms (eha_realms) are read again
        client.get("/whoami")


def test_malformed_cache_seconds_is_a_system_check_error(settings):
    settings.AUTHENTICATION_BACKENDS = [BACKEND]
    settings.SESSION_USER_CACHE_SECONDS = "ten"
    assert "eha_auth.E008" in {message.id for message in run_checks()}
    settings.SESSION_USER_CACHE_SECONDS = 10
    assert "eha_auth.E008" not in {message.id for message in run_checks()}
