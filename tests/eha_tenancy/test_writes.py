"""Every write path of a realm model stays in the active realm: upserts, saves and deletes
of objects built with another realm's key, update() and bulk_update() of foreign keys,
many-to-many changes from both sides, and querysets evaluated in another realm."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import transaction

from eha_tenancy import RealmMismatch, realm_context, unscoped
from tests.eha_tenancy.testapp.models import Project, Tag

pytestmark = pytest.mark.django_db


@contextmanager
def refused():
    """Expect RealmMismatch, in a savepoint: Django marks the block of a failed write for
    rollback, and the test goes on querying."""
    with pytest.raises(RealmMismatch), transaction.atomic():
        yield


def row(model, pk):
    with unscoped():
        return model.all_realms.filter(pk=pk).values().first()


@pytest.fixture
def tags(world):
    with unscoped():
        return {realm: Tag.objects.create(name=f"secret-{realm}", realm=realm)
                for realm in "ab"}


# dumpdata and loaddata.

def test_dumpdata_all_and_loaddata_carry_many_to_many_links(tenancy, world, tags, tmp_path):
    with realm_context("a"):
        world.a.project.tags.add(tags["a"])
    out = io.StringIO()
    call_command("dumpdata", "tenancy_testapp", "--all", stdout=out)
    dumped = {r["pk"]: r["fields"] for r in json.loads(out.getvalue())
              if r["model"] == "tenancy_testapp.project"}
    assert dumped[world.a.project.pk]["tags"] == [tags["a"].pk]
    with unscoped():
        Project.tags.through.objects.all().delete()
    fixture = tmp_path / "links.json"
    fixture.write_text(out.getvalue())
    call_command("loaddata", str(fixture), verbosity=0)
    assert Project.tags.through.objects.count() == 1
