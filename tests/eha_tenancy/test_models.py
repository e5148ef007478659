"""Realm models: scoped default managers that fail closed, stamping, moving, ways out."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from eha_tenancy import RealmMismatch, RealmRequired, realm_context, unscoped
from eha_tenancy.models import RealmManager
from tests.eha_tenancy.testapp.models import Answer, Project, Survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", [
    lambda: list(Project.objects.all()),
    lambda: Project.objects.filter(name="x").exists(),
    lambda: Project.objects.count(),
    lambda: list(Project.objects.values("name")),
    lambda: Project.objects.aggregate(n=Count("pk")),
    lambda: Project.objects.update(name="x"),
    lambda: Project.objects.all().delete(),
    lambda: Project.objects.get(name="project-a"),
    lambda: list(Survey.objects.all()),
    lambda: list(Answer.objects.all()),
    lambda: Project.objects.create(name="new"),
], ids=["all", "filter", "count", "values", "aggregate", "update", "delete", "get",
        "child", "grandchild", "create"])
def test_no_active_realm_raises_instead_of_returning_every_row(tenancy, world, query):
    with pytest.raises(RealmRequired, match="No realm is active"):
        query()


def test_related_managers_fail_closed_without_realm(tenancy, world):
    with pytest.raises(RealmRequired):
        list(world.a.project.surveys.all())


def test_queries_are_limited_to_the_active_realm(tenancy, world):
    with realm_context("a"):
        assert list(Project.objects.values_list("name", flat=True)) == ["project-a"]
        assert Project.objects.count() == 1
        assert Project.objects.filter(name__startswith="project").count() == 1
        assert Project.objects.aggregate(n=Count("pk")) == {"n": 1}
        assert list(Survey.objects.values_list("name", flat=True)) == ["survey-a"]
        assert list(Answer.objects.values_list("value", flat=True)) == ["answer-a"]
        assert Project.objects.get(name="project-a") == world.a.project
        with pytest.raises(Project.DoesNotExist):
            Project.objects.get(name="project-b")
        with pytest.raises(Answer.DoesNotExist):
            Answer.objects.get(pk=world.b.answer.pk)


def test_related_managers_are_limited_to_the_active_realm(tenancy, world):
    with realm_context("a"):
        assert list(world.a.project.surveys.all()) == [world.a.survey]
        assert list(world.b.project.surveys.all()) == []
        assert list(world.a.survey.answers.values_list("value", flat=True)) == ["answer-a"]


def test_update_and_delete_touch_the_active_realm_only(tenancy, world):
    with realm_context("a"):
        assert Project.objects.update(name="renamed") == 1
        Answer.objects.all().delete()
    with unscoped():
        assert sorted(Project.objects.values_list("name", flat=True)) == [
            "project-b", "project-c", "renamed"]
        assert sorted(Answer.objects.values_list("value", flat=True)) == [
            "answer-b", "answer-c"]


def test_realm_filter_is_one_query_on_the_row_itself(tenancy, world):
    with realm_context("a"), CaptureQueriesContext(connection) as queries:
        list(Project.objects.all())
    assert len(queries) == 1
    sql = queries[0]["sql"].lower()
    assert "join" not in sql and '"realm" = ' in sql.replace("`", '"')


def test_create_stamps_the_active_realm(tenancy, world):
    with realm_context("b"):
        project = Project.objects.create(name="new")
        bulk = Project.objects.bulk_create([Project(name="bulk")])
    assert project.realm == "b"
    with unscoped():
        assert Project.all_realms.get(pk=project.pk).realm == "b"
        assert Project.all_realms.get(name="bulk").realm == "b"
    assert bulk[0].realm == "b"


def test_new_object_naming_another_realm_is_refused(tenancy, world):
    with realm_context("a"), pytest.raises(RealmMismatch):
        Project.objects.create(name="smuggled", realm="b")
    with unscoped():
        assert not Project.all_realms.filter(name="smuggled").exists()


def test_existing_object_cannot_change_realm_by_save_or_update(tenancy, world):
    with realm_context("a"):
        project = Project.objects.get(pk=world.a.project.pk)
        project.realm = "b"
        with pytest.raises(RealmMismatch):
            project.save()
        with pytest.raises(RealmMismatch):
            Project.objects.update(realm="b")
        with pytest.raises(RealmMismatch):
            Project.objects.bulk_update([project], ["realm"])
    with unscoped():
        assert Project.all_realms.get(pk=world.a.project.pk).realm == "a"


def test_object_of_another_realm_cannot_be_saved_inside_this_one(tenancy, world):
    with unscoped():
        other = Project.all_realms.get(pk=world.b.project.pk)
    with realm_context("a"), pytest.raises(RealmMismatch):
        other.save()


def test_child_whose_owner_is_in_another_realm_is_refused(tenancy, world):
    with realm_context("a"):
        with pytest.raises(RealmMismatch):
            Survey.objects.create(name="cross", project_id=world.b.project.pk)
        with pytest.raises(RealmMismatch):
            Answer.objects.create(value="cross", survey_id=world.b.survey.pk)
    with unscoped():
        assert not Survey.all_realms.filter(name="cross").exists()


def test_a_link_to_an_object_of_another_realm_is_refused(tenancy, world):
    with realm_context("a"):
        with pytest.raises(RealmMismatch):  # by id: the linked object is read
            Project.objects.create(name="linked", template_id=world.b.project.pk)
        with unscoped():
            other = Project.all_realms.get(pk=world.b.project.pk)
        project = Project.objects.get(pk=world.a.project.pk)
        project.template = other  # already loaded: no query
        with pytest.raises(RealmMismatch):
            project.save()
        project.template = Project.objects.create(name="same realm")
        project.save()
    with unscoped():
        assert not Project.all_realms.filter(name="linked").exists()
        assert Project.all_realms.get(pk=world.a.project.pk).template.realm == "a"


def test_a_loaded_link_costs_no_query_and_unscoped_code_may_link_anything(
        tenancy, world, django_assert_num_queries):
    with realm_context("a"):
        template = Project.objects.create(name="template")
        project = Project(name="new", template=template)
        with django_assert_num_queries(1):  # the INSERT alone
            project.save()
    with unscoped():
        other = Project.all_realms.get(pk=world.b.project.pk)
        project.template = other
        project.save()  # inside unscoped() the code answers for its links


def test_links_of_a_bulk_create_are_checked_in_one_query(
        tenancy, world, django_assert_num_queries):
    with realm_context("a"):
        templates = [Project.objects.create(name=f"template {i}").pk for i in range(5)]
        with django_assert_num_queries(2):  # the linked projects, then the INSERT
            Project.objects.bulk_create(Project(name=f"copy {i}", template_id=pk)
                                        for i, pk in enumerate(templates))
        with pytest.raises(RealmMismatch):
            Project.objects.bulk_create([Project(name="cross", template_id=templates[0]),
                                         Project(name="cross", template_id=world.b.project.pk)])
        surveys = [Survey.objects.create(name=f"s{i}", project_id=templates[i]).pk
                   for i in range(5)]
        with django_assert_num_queries(3):  # surveys, their projects, the INSERT
            Answer.objects.bulk_create(Answer(value="v", survey_id=pk) for pk in surveys)
    with unscoped():
        assert Project.all_realms.filter(name__startswith="copy ").count() == 5
        assert not Project.all_realms.filter(name="cross").exists()


def test_add_to_realm_moves_an_object(tenancy, world):
    project = world.a.project
    project.add_to_realm("c")
    assert project.get_realm() == "c"
    with realm_context("c"):
        assert Project.objects.filter(pk=project.pk).exists()
        assert project.surveys.count() == 1  # children follow their owner
    new = Project(name="fresh")
    new.add_to_realm("b")
    with realm_context("b"):
        assert Project.objects.get(name="fresh").realm == "b"


def test_get_realm_and_is_accessible(tenancy, world):
    assert world.a.project.get_realm() == "a"
    assert world.a.answer.get_realm() == "a"
    assert world.a.answer.get_mt_instance() == world.a.project
    assert world.a.answer.is_accessible("a") and not world.a.answer.is_accessible("b")
    assert world.b.project.is_accessible("b") and not world.b.project.is_accessible("a")


def test_unscoped_and_all_realms_see_every_realm(tenancy, world):
    assert Project.all_realms.count() == 3
    with unscoped():
        assert Project.objects.count() == 3
        assert Answer.objects.count() == 3


def test_unscoped_new_objects_need_their_realm(tenancy, world):
    with unscoped(), pytest.raises(RealmRequired):
        Project.objects.create(name="nowhere")


def test_tenancy_off_sees_every_row_and_helpers_are_no_ops(tenancy_off, world):
    assert Project.objects.count() == 3
    assert Answer.objects.count() == 3
    project = Project.objects.create(name="plain")
    assert project.realm == "eha"  # stored in DEFAULT_REALM, ready for tenancy later
    assert project.get_realm() is None
    assert project.is_accessible(None) and project.is_accessible("x")
    project.add_to_realm("b")
    assert Project.objects.get(pk=project.pk).realm == "eha"


def test_default_manager_is_the_scoped_one(tenancy, world):
    assert isinstance(Project._default_manager, RealmManager)
    assert isinstance(Answer._default_manager, RealmManager)


def test_migrations_get_plain_managers(tenancy):
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).loader.project_state()
    historical = state.apps.get_model("tenancy_testapp", "Project")
    assert not isinstance(historical._default_manager, RealmManager)
    historical._default_manager.count()  # no realm needed: migrations see every row


def test_dumpdata_all_and_loaddata_roundtrip(tenancy, world, tmp_path):
    out = io.StringIO()
    call_command("dumpdata", "tenancy_testapp", "--all", stdout=out)
    rows = json.loads(out.getvalue())
    assert {r["fields"]["realm"] for r in rows if r["model"] == "tenancy_testapp.project"} \
        == {"a", "b", "c"}
    with unscoped():
        Project.all_realms.all().delete()
    fixture = tmp_path / "realms.json"
    fixture.write_text(out.getvalue())
    call_command("loaddata", str(fixture), verbosity=0)
    assert sorted(Project.all_realms.values_list("realm", flat=True)) == ["a", "b", "c"]
    assert Answer.all_realms.count() == 3


def test_dumpdata_without_all_says_what_to_do(tenancy, world):
    from django.core.management import CommandError

    with pytest.raises((RealmRequired, CommandError), match="--all"):
        call_command("dumpdata", "tenancy_testapp.project", stdout=io.StringIO())


def test_prefetch_related_is_limited_to_the_active_realm(tenancy, world):
    with unscoped():
        Survey.objects.create(name="stray", project=world.a.project)
    with realm_context("a"):
        projects = list(Project.objects.prefetch_related("surveys"))
        assert [sorted(s.name for s in p.surveys.all()) for p in projects] == [
            ["stray", "survey-a"]]
    with realm_context("b"):
        survey = Survey.objects.prefetch_related("answers").get()
        assert [a.value for a in survey.answers.all()] == ["answer-b"]


def test_realm_changed_by_hand_is_refused_even_inside_the_new_realm(tenancy, world):
    with unscoped():
        project = Project.objects.get(pk=world.a.project.pk)
    project.realm = "b"
    with realm_context("b"), pytest.raises(RealmMismatch):
        project.save()
    with unscoped():
        assert Project.objects.get(pk=world.a.project.pk).realm == "a"
