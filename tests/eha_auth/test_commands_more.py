"""setup_admin and create_user: idempotent, passwords from -p, environment or prompt."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from eha_auth.models import ApiToken, token_digest

pytestmark = pytest.mark.django_db
TOKEN = "a-deployment-token-0123456789"


def test_setup_admin_defaults_and_is_idempotent(capsys):
    call_command("setup_admin", "-p", "s3cret-pass", "-e", "a@example.org", "-t", TOKEN)
    call_command("setup_admin", "-p", "s3cret-pass", "-t", TOKEN)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("s3cret-pass")
    assert admin.email == "a@example.org"
    assert ApiToken.objects.get(user=admin).digest == token_digest(TOKEN)
    out = capsys.readouterr().out
    assert "s3cret-pass" not in out and TOKEN not in out


def test_setup_admin_password_from_environment(monkeypatch):
    monkeypatch.setenv("EHA_ADMIN_PASSWORD", "from-env-pass")
    call_command("setup_admin", "-u", "root", "--no-input")
    assert User.objects.get(username="root").check_password("from-env-pass")


def test_setup_admin_without_password_fails_clearly(monkeypatch):
    monkeypatch.delenv("EHA_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="No password: give -p, set EHA_ADMIN_PASSWORD"):
        call_command("setup_admin", "--no-input")
    assert not User.objects.exists()


def test_setup_admin_prompts_in_a_terminal(monkeypatch):
    import sys

    answers = iter(["typed-pass", "typed-pass"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("setup_admin", "-u", "typed")
    assert User.objects.get(username="typed").check_password("typed-pass")


def test_token_of_another_user_refused():
    call_command("setup_admin", "-p", "pw-123456", "-t", TOKEN)
    with pytest.raises(CommandError, match="another user"):
        call_command("create_user", "-u", "bob", "-p", "pw-123456", "-t", TOKEN)


def test_create_user_in_realm(settings):
    settings.MULTITENANCY = True
    call_command("create_user", "-u", "ann", "-p", "pw-123456", "-r", "north")
    call_command("create_user", "-u", "ann", "-r", "north", "--no-input")
    user = User.objects.get(username="north__ann")
    assert user.check_password("pw-123456") and user.groups.filter(name="north").exists()
    assert User.objects.count() == 1


def test_create_user_realm_required_with_tenancy(settings):
    settings.MULTITENANCY = True
    with pytest.raises(CommandError, match="-r REALM"):
        call_command("create_user", "-u", "ann", "-p", "pw-123456")


def test_create_user_without_tenancy(settings):
    call_command("create_user", "-u", "ann", "-p", "pw-123456", "-t", TOKEN)
    assert ApiToken.objects.get(user__username="ann").digest == token_digest(TOKEN)
    with pytest.raises(CommandError, match="MULTITENANCY is off"):
        call_command("create_user", "-u", "ann", "-r", "north", "-p", "x")


def test_create_user_invalid_name():
    with pytest.raises(CommandError, match="Invalid username"):
        call_command("create_user", "-u", "bad name!", "-p", "pw-123456")


def test_commands_make_users_through_the_user_mapper(settings):
    from tests.eha_auth.mappers import MAPPER, was_mapped

    settings.KEYCLOAK_USER_MAPPER = MAPPER
    settings.MULTITENANCY = True
    call_command("create_user", "-u", "ann", "-p", "pw-123456", "-r", "north")
    ann = User.objects.get(username="north__ann")
    assert was_mapped(ann) and ann.check_password("pw-123456")
    assert ann.groups.filter(name="north").exists()
    call_command("setup_admin", "-u", "root", "-e", "root@example.org", "-p", "pw-123456")
    root = User.objects.get(username="root")
    assert was_mapped(root) and root.is_superuser and root.is_staff
    assert root.email == "root@example.org" and root.check_password("pw-123456")
