"""Tokens are encrypted at rest; keys rotate; a dump holds no plaintext token."""

import io
import logging
import shutil
import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from eha_apptoken import crypto
from eha_apptoken.models import AppToken

pytestmark = pytest.mark.django_db

PLAIN = "0123456789abcdef-plain-user-token"


def raw_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM eha_apptoken_apptoken")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def row(user):
    return AppToken.objects.create(user=user, app="ext", token=PLAIN)


def test_the_column_holds_ciphertext_and_reads_back_plaintext(row):
    [stored] = raw_tokens()
    assert PLAIN not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert AppToken.objects.get(pk=row.pk).token == PLAIN


def test_the_default_key_is_derived_from_secret_key_with_hkdf(row, settings):
    [stored] = raw_tokens()
    assert Fernet(crypto.derive_key(settings.SECRET_KEY)).decrypt(stored.encode()) == \
        PLAIN.encode()
    assert crypto.derive_key("another secret") != crypto.derive_key(settings.SECRET_KEY)


def test_secret_key_fallbacks_still_decrypt(row, settings):
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-0123456789"
    assert AppToken.objects.get(pk=row.pk).token is None
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert AppToken.objects.get(pk=row.pk).token == PLAIN


def test_rotation_re_encrypts_every_row_with_the_first_key(user, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.APPTOKEN_ENCRYPTION_KEYS = [old]
    AppToken.objects.create(user=user, app="ext", token=PLAIN)
    AppToken.objects.create(user=user, app="other", token=PLAIN + "2")
    before = raw_tokens()
    settings.APPTOKEN_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("apptoken_rotate_key", stdout=out)
    assert "Re-encrypted 2 token(s)." in out.getvalue()
    after = raw_tokens()
    assert set(after).isdisjoint(before)
    for stored in after:
        Fernet(new.encode()).decrypt(stored.encode())  # raises unless the new key encrypted it
    settings.APPTOKEN_ENCRYPTION_KEYS = [new]
    assert sorted(AppToken.objects.values_list("token", flat=True)) == [PLAIN, PLAIN + "2"]
    assert PLAIN not in out.getvalue()


def test_without_rotation_dropping_the_old_key_loses_the_token(user, settings, caplog):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.APPTOKEN_ENCRYPTION_KEYS = [old]
    row = AppToken.objects.create(user=user, app="ext", token=PLAIN)
    settings.APPTOKEN_ENCRYPTION_KEYS = [new]
    with caplog.at_level(logging.DEBUG):
        assert AppToken.objects.get(pk=row.pk).token is None
    assert "cannot be decrypted" in caplog.text


def test_a_tampered_row_reads_as_no_token(row, caplog):
    [stored] = raw_tokens()
    tampered = stored[:-6] + ("AAAAAA" if not stored.endswith("AAAAAA") else "BBBBBB")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE eha_apptoken_apptoken SET token = %s", [tampered])
    with caplog.at_level(logging.DEBUG):
        assert AppToken.objects.get(pk=row.pk).token is None
    assert PLAIN not in caplog.text


def test_dumpdata_leaves_the_token_out(row):
    out = io.StringIO()
    call_command("dumpdata", "eha_apptoken", stdout=out)
    assert '"app": "ext"' in out.getvalue()
    assert PLAIN not in out.getvalue()
    assert '"token"' not in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_plaintext_token(user):
    AppToken.objects.create(user=user, app="ext", token=PLAIN)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        dump = "\n".join(connection.connection.iterdump())
    else:
        dump = pg_dump(connection.settings_dict)
    assert "eha_apptoken_apptoken" in dump
    assert PLAIN not in dump


def pg_dump(database: dict) -> str:
    from tests.harness.postgres import _pg_bin

    binary = shutil.which("pg_dump") or _pg_bin("pg_dump")
    result = subprocess.run(
        [binary, "-h", database["HOST"], "-p", str(database["PORT"]), "-U", database["USER"],
         "-d", database["NAME"], "--data-only", "-t", "eha_apptoken_apptoken"],
        capture_output=True, text=True, check=True,
        env={"PGPASSWORD": database.get("PASSWORD") or ""},
    )
    return result.stdout
