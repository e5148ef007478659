"""Moving realms out of aether.sdk's multitenancy_mtinstance table."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, migrations

from eha_tenancy.migration import copy_aether_realms
from tests.eha_tenancy.testapp.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def aether_rows(tenancy, world):
    """aether's table as its migration made it: (id, instance_id unique, realm text)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE multitenancy_mtinstance (id integer PRIMARY KEY, "
                       "instance_id bigint NOT NULL UNIQUE, realm text NOT NULL)")
        # the realm column starts empty, as after adding it to an aether model
        cursor.execute("UPDATE tenancy_testapp_project SET realm = ''")
        cursor.execute("INSERT INTO multitenancy_mtinstance VALUES (1, %s, 'north'), "
                       "(2, %s, 'south')", [world.a.project.pk, world.b.project.pk])
    yield world
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE multitenancy_mtinstance")


def realms(world) -> list:
    return [Project.all_realms.get(pk=obj.project.pk).realm for obj in (world.a, world.b,
                                                                        world.c)]


def test_command_copies_realms_and_defaults_the_rest(aether_rows):
    out = io.StringIO()
    call_command("import_aether_realms", "tenancy_testapp.Project", stdout=out)
    assert realms(aether_rows) == ["north", "south", "eha"]
    assert "3 rows" in out.getvalue()


def test_run_python_helper_in_a_migration(aether_rows):
    operation = migrations.RunPython(copy_aether_realms("tenancy_testapp.Project",
                                                        default_realm="legacy"))
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).loader.project_state()
    # Run the operation's function as migrate would: historical models, an editor.
    operation.code(state.apps, connection.schema_editor())
    assert realms(aether_rows) == ["north", "south", "legacy"]


@pytest.mark.parametrize("args,message", [
    (["nothing.Here"], "Unknown model"),
    (["tenancy_testapp.Survey"], "does not extend MtModelAbstract"),
    (["tenancy_testapp.Project", "--table", "missing"], "not found"),
    (["tenancy_testapp.Project", "--default-realm", "../x"], "not a valid realm"),
])
def test_command_says_what_is_wrong(tenancy, db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_aether_realms", *args, stdout=io.StringIO())
