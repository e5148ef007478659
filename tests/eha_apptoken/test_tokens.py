"""Obtaining, validating and re-obtaining users' tokens, against a real service."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from eha_apptoken.models import AppToken
from tests.eha_apptoken.conftest import expire_validation
from tests.harness.threads import together

pytestmark = pytest.mark.django_db


def test_first_use_obtains_a_token_with_the_service_token(extapp, alice, user):
    assert alice.get("/ext/echo").status_code == 200
    obtain = [r for r in extapp.received() if r["route"] == "/token"]
    assert [r["method"] for r in obtain] == ["POST"]
    assert obtain[0]["headers"]["Authorization"] == f"Token {extapp.service_token}"
    row = AppToken.objects.get(user=user, app="ext")
    assert row.token and row.obtained_at and row.validated_at
    assert extapp.last()["headers"]["Authorization"] == f"Token {row.token}"


def test_validation_is_cached_instead_of_a_call_on_every_use(extapp, alice):
    for _ in range(5):
        assert alice.get("/ext/echo").status_code == 200
    assert extapp.count("POST /token") == 1
    assert extapp.count("GET /token") == 0
    assert extapp.count("GET /echo") == 5


def test_a_stale_validation_is_renewed_by_one_call(extapp, alice, user):
    alice.get("/ext/echo")
    token = AppToken.objects.get(user=user).token
    expire_validation(user, timezone.now() - timedelta(hours=1))
    assert alice.get("/ext/echo").status_code == 200
    assert alice.get("/ext/echo").status_code == 200
    assert extapp.count("GET /token") == 1
    assert extapp.count("POST /token") == 1
    row = AppToken.objects.get(user=user)
    assert row.token == token
    assert timezone.now() - row.validated_at < timedelta(minutes=1)


def test_the_validation_time_is_a_setting(extapp, alice, settings):
    settings.APPTOKEN_VALIDATION_SECONDS = 0
    for _ in range(3):
        alice.get("/ext/echo")
    assert extapp.count("POST /token") == 1
    assert extapp.count("GET /token") == 2


def test_a_token_found_invalid_at_validation_is_replaced(extapp, alice, user):
    alice.get("/ext/echo")
    old = AppToken.objects.get(user=user).token
    expire_validation(user)
    extapp.revoke("alice")
    assert alice.get("/ext/echo").status_code == 200
    assert AppToken.objects.get(user=user).token != old
    assert extapp.count("POST /token") == 2


def test_a_401_from_the_app_re_obtains_the_token_once(extapp, alice, user):
    alice.get("/ext/echo")
    old = AppToken.objects.get(user=user).token
    extapp.revoke("alice")  # the app forgets the token; the cached validation still trusts it
    response = alice.get("/ext/echo")
    assert response.status_code == 200
    new = AppToken.objects.get(user=user).token
    assert new != old
    assert extapp.count("GET /echo") == 3  # first use, the 401, the retry
    assert extapp.count("POST /token") == 2


def test_a_persistent_401_is_retried_only_once(extapp, alice):
    alice.get("/ext/echo")
    response = alice.get("/ext/status/401")
    assert response.status_code == 401
    assert extapp.count("GET /status/401") == 2
    assert extapp.count("POST /token") == 2


def test_a_large_streamed_body_is_not_replayed_but_the_token_is_renewed(
        extapp, alice, user, settings):
    settings.APPTOKEN_RETRY_BODY_LIMIT = 1024
    alice.get("/ext/echo")
    old = AppToken.objects.get(user=user).token
    extapp.revoke("alice")
    response = alice.post("/ext/echo", data=b"x" * 4096, content_type="application/octet-stream")
    assert response.status_code == 401
    assert extapp.count("POST /echo") == 1
    assert AppToken.objects.get(user=user).token != old
    assert alice.post("/ext/echo", data=b"x" * 4096,
                      content_type="application/octet-stream").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_401s_re_obtain_a_single_token(extapp, django_user_model):
    """Eight requests hit a revoked token at once: one call to /token, not eight."""
    user = django_user_model.objects.create_user("carol", password="pw")
    clients = [Client() for _ in range(8)]
    for client in clients:
        client.force_login(user)
    assert clients[0].get("/ext/echo").status_code == 200
    extapp.revoke("carol")
    extapp.reset(token_delay=0.3)  # every request sees its 401 before the new token exists

    def run(client):
        response = client.get("/ext/echo")
        b"".join(response.streaming_content)
        return response.status_code

    assert together(run, clients) == [200] * 8
    assert extapp.count("POST /token") == 1
    assert extapp.count("GET /echo") == 16  # each request: its 401, then its retry


class TableQueries:
    """Count SQL statements on the token table (robust across test-client requests)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += "eha_apptoken_apptoken" in sql
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self.wrapper = connection.execute_wrapper(self)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)


def test_a_validated_token_is_served_from_the_cache_without_a_query(extapp, alice):
    alice.get("/ext/echo")
    with TableQueries() as queries:
        for _ in range(3):
            assert alice.get("/ext/echo").status_code == 200
    assert queries.count == 0


def test_without_the_cache_each_request_reads_the_row_once(extapp, alice, settings):
    settings.APPTOKEN_CACHE = None
    alice.get("/ext/echo")
    with TableQueries() as queries:
        for _ in range(3):
            assert alice.get("/ext/echo").status_code == 200
    assert queries.count == 3
    assert extapp.count("GET /token") == 0


def test_the_cache_holds_no_plaintext_token(extapp, alice, user):
    from django.core.cache import cache

    from eha_apptoken.models import cache_key

    alice.get("/ext/echo")
    token = AppToken.objects.get(user=user).token
    cached = cache.get(cache_key(user.pk, "ext"))
    assert cached is not None and token not in repr(cached)


def test_a_revoked_token_leaves_the_cache(extapp, alice, user):
    import io

    from django.core.management import call_command

    alice.get("/ext/echo")
    call_command("apptoken_tokens", "--user", "alice", "--revoke", stdout=io.StringIO())
    alice.get("/ext/echo")
    assert extapp.count("POST /token") == 2
