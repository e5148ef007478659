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
from django.db.models import OuterRef, Subquery

from eha_tenancy import RealmMismatch, RealmRequired, realm_context, unscoped
from tests.eha_tenancy.testapp.models import Answer, Project, Survey, Tag

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


# Querysets: their realm is the one active when they are evaluated.

def test_a_queryset_reads_the_realm_active_when_it_is_evaluated(tenancy, world):
    with realm_context("a"):
        names = Project.objects.values_list("name", flat=True)
        renamed = Project.objects.all()
        removed = Answer.objects.all()
    with realm_context("b"):
        assert list(names) == ["project-b"]
        assert renamed.count() == 1 and renamed.update(name="renamed") == 1
        removed.delete()
    with unscoped():
        assert sorted(Project.objects.values_list("name", flat=True)) == [
            "project-a", "project-c", "renamed"]
        assert sorted(Answer.objects.values_list("value", flat=True)) == [
            "answer-a", "answer-c"]


def test_a_queryset_evaluated_with_no_realm_raises(tenancy, world):
    with realm_context("a"):
        projects = Project.objects.all()
    with pytest.raises(RealmRequired):
        list(projects)
    with unscoped():
        everything = Survey.objects.all()
    with pytest.raises(RealmRequired):
        everything.count()
    with realm_context("c"):
        assert [s.name for s in everything] == ["survey-c"]


def test_a_subquery_reads_the_realm_active_when_it_is_evaluated(tenancy, world):
    with realm_context("a"):
        keys = Project.objects.values("pk")
        first_survey = Survey.objects.filter(project=OuterRef("pk")).values("name")[:1]
    with realm_context("b"):
        assert list(Project.all_realms.filter(pk__in=keys).values_list("name", flat=True)) \
            == ["project-b"]
        assert list(Project.all_realms.filter(pk__in=Subquery(keys))
                    .values_list("name", flat=True)) == ["project-b"]
        annotated = Project.all_realms.annotate(survey=Subquery(first_survey))
        assert sorted(annotated.values_list("name", "survey")) == [
            ("project-a", None), ("project-b", "survey-b"), ("project-c", None)]
    with pytest.raises(RealmRequired):
        list(Project.all_realms.filter(pk__in=keys))
