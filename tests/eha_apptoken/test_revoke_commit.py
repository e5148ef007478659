"""A token read by another request before its deletion commits is not kept in the cache."""

import os
import threading

import pytest
from django.db import connection, transaction

from eha_apptoken.models import AppToken, remembered

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("EHA_TEST_DB", "sqlite") != "postgres",
                       reason="a read beside an open write transaction needs PostgreSQL "
                              "(EHA_TEST_DB=postgres)"),
]


def token_used_by_another_request(user, base: str) -> str | None:
    used = []

    def use():
        try:
            used.append(AppToken.objects.usable_token(user, "ext", base))
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=use)
    thread.start()
    thread.join(timeout=30)
    return used[0]


def test_a_revoked_token_is_not_cached_again_before_the_commit(extapp, alice, user):
    base = f"{extapp.url}/api"
    alice.get("/ext/echo")
    token = AppToken.objects.get(user=user).token

    with transaction.atomic():
        AppToken.objects.filter(user=user).delete()
        # Not committed: another request still finds the row, and caches it again.
        assert token_used_by_another_request(user, base) == token

    assert remembered(user.pk, "ext") is None
