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


# Saving and deleting objects built with another realm's key.

@pytest.mark.parametrize("build", [
    lambda w: Project(pk=w.a.project.pk, name="taken"),
    lambda w: Survey(pk=w.a.survey.pk, project=w.b.project, name="taken"),
    lambda w: Answer(pk=w.a.answer.pk, survey=w.b.survey, value="taken"),
], ids=["project", "survey", "answer"])
def test_save_with_another_realms_key_is_refused_and_changes_nothing(tenancy, world, build):
    obj = build(world)
    before = row(type(obj), obj.pk)
    with realm_context("b"), refused():
        obj.save()
    with realm_context("b"), refused():
        build(world).save(update_fields=[f for f in ("name", "value") if hasattr(obj, f)])
    assert row(type(obj), obj.pk) == before


def test_save_with_a_new_explicit_key_inserts(tenancy, world):
    with realm_context("b"):
        Project(pk=10**6, name="explicit").save()
    assert row(Project, 10**6)["realm"] == "b"


def test_saving_an_object_of_the_realm_costs_one_query(
        tenancy, world, django_assert_num_queries):
    with realm_context("a"):
        project = Project.objects.get(pk=world.a.project.pk)
        project.name = "renamed"
        with django_assert_num_queries(1):  # UPDATE ... WHERE id = %s AND realm = %s
            project.save()
    assert row(Project, project.pk)["name"] == "renamed"


@pytest.mark.parametrize("build", [
    lambda w: Project(pk=w.a.project.pk),
    lambda w: Survey(pk=w.a.survey.pk, project=w.b.project),
    lambda w: Answer(pk=w.a.answer.pk, survey=w.b.survey),
], ids=["project", "survey", "answer"])
def test_delete_of_another_realms_row_is_refused_and_deletes_nothing(tenancy, world, build):
    with realm_context("b"), pytest.raises(RealmMismatch):
        build(world).delete()
    with unscoped():
        loaded = Project.all_realms.get(pk=world.a.project.pk)
    with realm_context("b"), pytest.raises(RealmMismatch):
        loaded.delete()
    with unscoped():
        assert Project.objects.filter(pk=world.a.project.pk).exists()
        assert Survey.objects.filter(pk=world.a.survey.pk).exists()
        assert Answer.objects.filter(pk=world.a.answer.pk).exists()


def test_delete_inside_the_realm_deletes_the_children(tenancy, world):
    with realm_context("a"):
        Project.objects.get(pk=world.a.project.pk).delete()
    with unscoped():
        assert not Answer.objects.filter(pk=world.a.answer.pk).exists()
        assert Answer.objects.count() == 2


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
