"""A token read by another request before its deletion commits is not kept in the cache."""

import pytest
from django.db import transaction

from eha_apptoken.models import AppToken, remembered
from tests.harness.postgres import postgres_only
from tests.harness.threads import in_another_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only("a read beside an open write transaction needs PostgreSQL"),
]


def test_a_revoked_token_is_not_cached_again_before_the_commit(extapp, alice, user):
    base = f"{extapp.url}/api"
    alice.get("/ext/echo")
    token = AppToken.objects.get(user=user).token

    with transaction.atomic():
        AppToken.objects.filter(user=user).delete()
        # Not committed: another request still finds the row, and caches it again.
        assert in_another_thread(
            lambda: AppToken.objects.usable_token(user, "ext", base)) == token

    assert remembered(user.pk, "ext") is None
