"""CachedModelBackend: a user read by another thread before a change commits is not kept."""

import pytest
from django.db import transaction

from eha_auth.accounts.backends import CachedModelBackend
from eha_auth.oidc.usercache import local_users
from tests.harness.postgres import postgres_only
from tests.harness.threads import in_another_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only("a read beside an open write transaction needs PostgreSQL"),
]


def test_a_deactivation_applies_once_committed_though_read_meanwhile(django_user_model):
    local_users.clear()
    user = django_user_model.objects.create_user("eha__erin")
    assert CachedModelBackend().get_user(user.pk) is not None  # cached

    with transaction.atomic():
        user.is_active = False
        user.save()
        # Not committed: another request still reads (and caches) the active user.
        assert in_another_thread(lambda: CachedModelBackend().get_user(user.pk)) is not None

    assert CachedModelBackend().get_user(user.pk) is None
    local_users.clear()
