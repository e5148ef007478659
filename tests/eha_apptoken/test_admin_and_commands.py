"""The admin and the management commands never show a token."""

import io

import pytest
from django.core.management import CommandError, call_command

from eha_apptoken.models import AppToken

pytestmark = pytest.mark.django_db

PLAIN = "admin-visible-token-should-never-appear"


@pytest.fixture
def tokens(user, staff):
    AppToken.objects.create(user=user, app="ext", token=PLAIN)
    AppToken.objects.create(user=user, app="other", token=PLAIN + "-2")
    return AppToken.objects.create(user=staff, app="ext", token=PLAIN + "-3")


@pytest.fixture
def admin_client(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(root)
    return client


def test_admin_list_and_detail_never_show_the_token(tokens, admin_client):
    listing = admin_client.get("/admin/eha_apptoken/apptoken/")
    assert listing.status_code == 200
    assert b"alice" in listing.content
    detail = admin_client.get(f"/admin/eha_apptoken/apptoken/{tokens.pk}/change/")
    assert detail.status_code == 200
    for response in (listing, detail):
        assert PLAIN.encode() not in response.content
    assert admin_client.get("/admin/eha_apptoken/apptoken/add/").status_code == 403


def test_admin_can_revoke(tokens, admin_client):
    response = admin_client.post(f"/admin/eha_apptoken/apptoken/{tokens.pk}/delete/",
                                 {"post": "yes"})
    assert response.status_code == 302
    assert not AppToken.objects.filter(pk=tokens.pk).exists()


def test_list_command_shows_users_and_apps_not_tokens(tokens):
    out = io.StringIO()
    call_command("apptoken_tokens", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["alice", "ext"], ["alice", "other"], ["boss", "ext"]]
    assert PLAIN not in out.getvalue()


def test_list_command_filters(tokens):
    out = io.StringIO()
    call_command("apptoken_tokens", "--user", "alice", "--app", "other", stdout=out)
    assert [line.split("\t")[:2] for line in out.getvalue().splitlines()] == [
        ["alice", "other"]]


def test_revoke_command_deletes_matching_tokens(tokens):
    out = io.StringIO()
    call_command("apptoken_tokens", "--user", "alice", "--revoke", stdout=out)
    assert "Revoked 2 token(s)." in out.getvalue()
    assert list(AppToken.objects.values_list("user__username", flat=True)) == ["boss"]


def test_revoke_command_needs_a_filter_or_all(tokens):
    with pytest.raises(CommandError, match="--all"):
        call_command("apptoken_tokens", "--revoke")
    assert AppToken.objects.count() == 3
    call_command("apptoken_tokens", "--revoke", "--all", stdout=io.StringIO())
    assert AppToken.objects.count() == 0
