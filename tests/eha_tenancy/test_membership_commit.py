"""A membership read by another request before a change commits is not kept.

Changes forget cached memberships as they happen (the generation moves on),
but inside a transaction another connection still reads the old rows until
the commit, and would cache them under the new generation. So the generation
moves on again when the transaction commits.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction

from eha_tenancy import remove_user_from_realm
from eha_tenancy.membership import user_realms
from tests.harness.postgres import postgres_only
from tests.harness.threads import in_another_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only("a read beside an open write transaction needs PostgreSQL"),
]


def test_a_removal_is_seen_once_committed_though_read_meanwhile(settings):
    settings.MULTITENANCY = True
    dave = User.objects.create_user("dave")
    dave.groups.add(Group.objects.create(name="a"), Group.objects.create(name="b"))
    assert user_realms(dave) == {"a", "b"}

    with transaction.atomic():
        remove_user_from_realm("b", dave)
        # Not committed: another request still reads (and caches) both realms.
        assert in_another_thread(
            lambda: user_realms(User.objects.get(pk=dave.pk))) == {"a", "b"}

    assert user_realms(User.objects.get(pk=dave.pk)) == {"a"}
