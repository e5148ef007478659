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
from django.db.models import F, OuterRef, Subquery
from django.test import Client

from eha_tenancy import RealmMismatch, RealmRequired, realm_context, unscoped
from tests.eha_tenancy.testapp.models import Answer, Milestone, Project, Survey, Tag

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


# Upserts.

@pytest.mark.parametrize("update_fields", [["name"], ["name", "template"]])
def test_upsert_on_the_primary_key_cannot_overwrite_another_realms_row(
        tenancy, world, update_fields):
    before = row(Project, world.a.project.pk)
    with realm_context("b"), refused():
        Project.objects.bulk_create([Project(pk=world.a.project.pk, name="taken")],
                                    update_conflicts=True, unique_fields=["id"],
                                    update_fields=update_fields)
    assert row(Project, world.a.project.pk) == before


def test_upsert_cannot_move_a_row_to_another_realm(tenancy, world):
    with realm_context("b"), refused():
        Project.objects.bulk_create([Project(pk=world.a.project.pk, name="taken")],
                                    update_conflicts=True, unique_fields=["id"],
                                    update_fields=["name", "realm"])
    assert row(Project, world.a.project.pk)["realm"] == "a"


def test_upsert_of_a_child_on_its_key_is_refused(tenancy, world):
    with realm_context("a"):
        milestone = Milestone.objects.create(project=world.a.project, code="m1")
    with realm_context("b"), refused():
        Milestone.objects.bulk_create(
            [Milestone(pk=milestone.pk, project=world.b.project, code="m1")],
            update_conflicts=True, unique_fields=["id"], update_fields=["project", "code"])
    assert row(Milestone, milestone.pk)["project_id"] == world.a.project.pk


def test_upsert_whose_conflict_target_holds_the_realm_stays_in_it(tenancy, world, tags):
    with realm_context("b"):
        Tag.objects.bulk_create([Tag(name="secret-a"), Tag(name="secret-b")],
                                update_conflicts=True, unique_fields=["realm", "name"],
                                update_fields=["name"])
    with unscoped():
        assert sorted(Tag.objects.values_list("realm", "name")) == [
            ("a", "secret-a"), ("b", "secret-a"), ("b", "secret-b")]
    with realm_context("a"):
        Milestone.objects.create(project=world.a.project, code="m1", title="old")
        Milestone.objects.bulk_create(
            [Milestone(project=world.a.project, code="m1", title="new")],
            update_conflicts=True, unique_fields=["project", "code"], update_fields=["title"])
        assert list(Milestone.objects.values_list("code", "title")) == [("m1", "new")]


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


# update() and bulk_update() of foreign keys.

@pytest.mark.parametrize("change", [
    lambda w: Project.objects.update(template=w.b.project),
    lambda w: Project.objects.update(template_id=w.b.project.pk),
    lambda w: Survey.objects.update(project=w.b.project),
    lambda w: Answer.objects.update(survey_id=w.b.survey.pk),
    lambda w: Survey.objects.update(project_id=F("id")),
    lambda w: Project.objects.update(template=Subquery(
        Project.all_realms.filter(realm="b").values("pk")[:1])),
    lambda w: Project.all_realms.filter(pk=w.b.project.pk).update(template=w.a.project),
], ids=["object", "key", "owner", "child-owner", "F", "subquery", "row-of-other-realm"])
def test_update_of_a_foreign_key_across_realms_is_refused(tenancy, world, change):
    with unscoped():
        before = [list(m.objects.values()) for m in (Project, Survey, Answer)]
    with realm_context("a"), refused():
        change(world)
    with unscoped():
        assert [list(m.objects.values()) for m in (Project, Survey, Answer)] == before


def test_other_realms_api_does_not_list_a_row_linked_by_update(tenancy, world):
    with realm_context("a"), refused():
        Survey.objects.update(project=world.b.project)
    bob = Client(HTTP_EHA_REALM="b")
    bob.force_login(world.users.bob)
    names = [s["name"] for s in bob.get("/api/surveys/").json()["results"]]
    assert names == ["survey-b"]


def test_update_of_foreign_keys_inside_the_realm(tenancy, world, django_assert_num_queries):
    with realm_context("a"):
        other = Project.objects.create(name="other")
        with django_assert_num_queries(3):  # linked objects, rows, UPDATE
            assert Survey.objects.update(project=other) == 1
        with django_assert_num_queries(1):  # unlinking links nothing: the UPDATE alone
            assert Project.objects.filter(pk=other.pk).update(template=None) == 1
        assert Survey.objects.get().project == other


def test_bulk_update_of_a_foreign_key_across_realms_is_refused(tenancy, world):
    with realm_context("a"):
        survey = Survey.objects.get(pk=world.a.survey.pk)
        survey.project = world.b.project
        with refused():
            Survey.objects.bulk_update([survey], ["project"])
        project = Project.objects.get(pk=world.a.project.pk)
        project.template_id = world.b.project.pk
        with refused():
            Project.objects.bulk_update([project], ["template", "name"])
    assert row(Survey, world.a.survey.pk)["project_id"] == world.a.project.pk
    assert row(Project, world.a.project.pk)["template_id"] is None


def test_bulk_update_of_another_realms_rows_is_refused(tenancy, world):
    with unscoped():
        loaded = Project.objects.get(pk=world.b.project.pk)
    loaded.name = "taken"
    with realm_context("a"), refused():
        Project.objects.bulk_update([loaded, Project(pk=world.c.project.pk, name="taken")],
                                    ["name"])
    assert row(Project, world.b.project.pk)["name"] == "project-b"


def test_bulk_update_inside_the_realm(tenancy, world, django_assert_num_queries):
    with realm_context("a"):
        other = Project.objects.create(name="other")
        survey = Survey.objects.get()
        survey.project, survey.name = other, "moved"
        with django_assert_num_queries(3):  # linked objects, rows, UPDATE
            assert Survey.objects.bulk_update([survey], ["project", "name"]) == 1
    assert row(Survey, survey.pk)["project_id"] == other.pk


# Many-to-many.

@pytest.mark.parametrize("change", [
    lambda w, t: w.a.project.tags.add(t["b"]),
    lambda w, t: w.a.project.tags.add(t["b"].pk),
    lambda w, t: w.a.project.tags.set([t["a"], t["b"]]),
    lambda w, t: t["a"].projects.add(w.b.project),
    lambda w, t: t["a"].projects.set([w.b.project.pk]),
    lambda w, t: w.b.project.tags.add(t["a"]),
], ids=["add", "add-key", "set", "reverse-add", "reverse-set", "from-other-realm"])
def test_many_to_many_links_across_realms_are_refused(tenancy, world, tags, change):
    with realm_context("a"), refused():
        change(world, tags)
    assert Project.tags.through.objects.count() == 0
    with realm_context("a"):  # no link, so no way to learn b's tag names from realm a
        assert not Project.objects.filter(tags__name="secret-b").exists()


@pytest.mark.parametrize("change", [
    lambda w, t: w.a.project.tags.remove(t["a"]),
    lambda w, t: w.a.project.tags.clear(),
    lambda w, t: t["a"].projects.remove(w.a.project),
    lambda w, t: t["a"].projects.clear(),
    lambda w, t: w.b.project.tags.remove(t["a"]),
], ids=["remove", "clear", "reverse-remove", "reverse-clear", "remove-other-realms"])
def test_many_to_many_of_another_realm_cannot_be_removed_or_cleared(
        tenancy, world, tags, change):
    with realm_context("a"):
        world.a.project.tags.add(tags["a"])
    with realm_context("b"), refused():
        change(world, tags)
    assert Project.tags.through.objects.count() == 1


def test_many_to_many_inside_the_realm_both_ways(tenancy, world, tags):
    with realm_context("a"):
        second = Tag.objects.create(name="second")
        project = Project.objects.get(pk=world.a.project.pk)
        project.tags.add(tags["a"])
        second.projects.add(project)
        assert sorted(project.tags.values_list("name", flat=True)) == ["second", "secret-a"]
        project.tags.remove(second)
        tags["a"].projects.set([])
        assert not project.tags.exists()
        project.tags.set([second])
        second.projects.clear()
        assert not project.tags.exists()


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
