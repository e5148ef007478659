"""Moving realms out of aether.sdk's multitenancy_mtinstance table, built as aether.sdk
1.4.4 creates it (its migration multitenancy/0001_initial, run by Django 3.2)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, migrations, transaction
from django.db.migrations.executor import MigrationExecutor

from eha_tenancy import InvalidRealm, realm_context, unscoped
from eha_tenancy.migration import (
    copy_aether_realms,
    drop_aether_table,
    drop_aether_table_if_present,
)
from tests.eha_tenancy.testapp.models import Answer, Legacy, Project
from tests.harness.postgres import postgres_only

pytestmark = pytest.mark.django_db

TABLE = "multitenancy_mtinstance"
APP = "tenancy_testapp"
BEFORE_REALM = (APP, "0004_legacy")  # Legacy as it was under aether.sdk: no realm column
LATEST = (APP, "0006_legacy_managers_index")


def create_aether_table(target: str) -> None:
    """aether's MtInstance: id, instance (one-to-one to the MULTITENANCY_MODEL, on delete
    cascade in Django only), realm text, an index on realm; as Django 3.2 writes it."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.schema_editor() as editor:
            fk_name = editor._create_index_name(TABLE, ["instance_id"],
                                                suffix=f"_fk_{target}_id")
        statements = [
            f'CREATE TABLE "{TABLE}" ("id" serial NOT NULL PRIMARY KEY, '
            '"instance_id" bigint NOT NULL UNIQUE, "realm" text NOT NULL)',
            f'ALTER TABLE "{TABLE}" ADD CONSTRAINT {quote(fk_name)} FOREIGN KEY '
            f'("instance_id") REFERENCES {quote(target)} ("id") DEFERRABLE INITIALLY DEFERRED',
        ]
    else:
        statements = [
            f'CREATE TABLE "{TABLE}" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
            f'"instance_id" bigint NOT NULL UNIQUE REFERENCES {quote(target)} ("id") '
            'DEFERRABLE INITIALLY DEFERRED, "realm" text NOT NULL)',
        ]
    statements.append(f'CREATE INDEX "multitenanc_realm_4d6500_idx" ON "{TABLE}" ("realm")')
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def aether_realms(*pairs) -> None:
    """Rows of aether's table: (instance pk, realm), as aether's add_to_realm() wrote them."""
    with connection.cursor() as cursor:
        for pk, realm in pairs:
            cursor.execute(f"INSERT INTO {TABLE} (instance_id, realm) VALUES (%s, %s)",
                           [pk, realm])


def drop_if_present() -> None:
    if TABLE in connection.introspection.table_names():
        drop_aether_table(TABLE)


@pytest.fixture
def aether_rows(tenancy, world):
    """Projects a and b in aether's table (north, south), c not; the realm column empty,
    as after adding it to an aether model."""
    create_aether_table(Project._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tenancy_testapp_project SET realm = ''")
    aether_realms((world.a.project.pk, "north"), (world.b.project.pk, "south"))
    yield world
    drop_if_present()


def realms(world) -> list:
    return [Project.all_realms.get(pk=obj.project.pk).realm for obj in (world.a, world.b,
                                                                        world.c)]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_aether_realms", "tenancy_testapp.Project", *args, stdout=out,
                 stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_copies_realms_and_defaults_the_rest(aether_rows):
    out, _ = run()
    assert realms(aether_rows) == ["north", "south", "eha"]
    assert "3 rows" in out
    assert "Realms with no Group yet" in out and "north, south" in out


def test_a_second_run_changes_nothing(aether_rows):
    run()
    with realm_context("north"):
        Project.objects.get(pk=aether_rows.a.project.pk).add_to_realm("east")
        created = Project.objects.create(name="since")
    out, err = run()
    assert realms(aether_rows) == ["east", "south", "eha"]
    assert Project.all_realms.get(pk=created.pk).realm == "north"
    assert "0 rows" in out
    assert "1 rows carry another realm" in err


def test_realm_names_eha_tenancy_refuses_are_listed_before_any_write(aether_rows):
    long_name = "r" * 64
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET realm = %s WHERE instance_id = %s",
                       [long_name, aether_rows.a.project.pk])
        cursor.execute(f"UPDATE {TABLE} SET realm = 'old__style' WHERE instance_id = %s",
                       [aether_rows.b.project.pk])
    with pytest.raises(CommandError) as refused:
        run()
    message = str(refused.value)
    assert long_name in message and "longer than 63 characters" in message
    assert "'old__style'" in message and "'__'" in message
    assert "UPDATE multitenancy_mtinstance SET realm" in message
    assert "nothing was written" in message
    assert realms(aether_rows) == ["", "", ""]


def test_deletes_work_once_the_aether_table_is_dropped(aether_rows):
    run()
    with pytest.raises(IntegrityError), transaction.atomic():
        with realm_context("north"):
            Project.objects.get(pk=aether_rows.a.project.pk).delete()
        connection.check_constraints()  # what COMMIT does with the deferred key
    out, _ = run("--drop-aether-table")
    assert "Dropped multitenancy_mtinstance" in out
    assert TABLE not in connection.introspection.table_names()
    assert realms(aether_rows) == ["north", "south", "eha"]
    with realm_context("north"):
        Project.objects.get(pk=aether_rows.a.project.pk).delete()
    connection.check_constraints()
    with unscoped():
        assert not Answer.objects.filter(pk=aether_rows.a.answer.pk).exists()


def test_run_python_helper_in_a_migration(aether_rows):
    operation = migrations.RunPython(copy_aether_realms("tenancy_testapp.Project",
                                                        default_realm="legacy"))
    state = MigrationExecutor(connection).loader.project_state()
    # Run the operation's function as migrate would: historical models, an editor.
    operation.code(state.apps, connection.schema_editor())
    assert realms(aether_rows) == ["north", "south", "legacy"]
    drop_aether_table_if_present(state.apps, connection.schema_editor())
    assert TABLE not in connection.introspection.table_names()


@pytest.mark.parametrize("args,message", [
    (["nothing.Here"], "Unknown model"),
    (["tenancy_testapp.Plain"], "does not extend MtModelAbstract"),
    (["tenancy_testapp.Survey"], "it needs nothing, its realm is its owner's"),
    (["tenancy_testapp.Project", "--table", "missing"], "not found"),
    (["tenancy_testapp.Project", "--default-realm", "../x"], "not a valid realm"),
])
def test_command_says_what_is_wrong(tenancy, db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_aether_realms", *args, stdout=io.StringIO())


# The route through a migration of the model's app (testapp's 0005_legacy_realm), on a
# database where aether.sdk left its table and the model has no realm column yet.

@pytest.fixture
def before_realm_column(tenancy):
    """The database as aether.sdk left it: Legacy rows, no realm column, aether's table."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_REALM])
    try:
        create_aether_table(Legacy._meta.db_table)
        with connection.cursor() as cursor:
            for pk in (1, 2, 3):
                cursor.execute("INSERT INTO tenancy_testapp_legacy (id, name) VALUES (%s, %s)",
                               [pk, f"legacy {pk}"])
        aether_realms((1, "north"), (2, "south"))
        yield
    finally:
        drop_if_present()
        executor = MigrationExecutor(connection)
        executor.migrate([LATEST])


def migrate_to(target) -> None:
    MigrationExecutor(connection).migrate([target])


def realm_column(table: str):
    with connection.cursor() as cursor:
        return next((c for c in connection.introspection.get_table_description(cursor, table)
                     if c.name == "realm"), None)


@pytest.mark.django_db(transaction=True)  # schema changes: SQLite refuses them in a transaction
def test_a_migration_adds_the_realm_column_filled_from_aether(before_realm_column):
    with pytest.raises(CommandError, match="has no realm column"):
        call_command("import_aether_realms", "tenancy_testapp.Legacy", stdout=io.StringIO())
    migrate_to(LATEST)
    with unscoped():
        assert list(Legacy.objects.values_list("pk", "realm")) == [
            (1, "north"), (2, "south"), (3, "eha")]
    assert not realm_column(Legacy._meta.db_table).null_ok
    out = io.StringIO()
    call_command("import_aether_realms", "tenancy_testapp.Legacy", stdout=out)
    assert "0 rows" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_migration_refuses_bad_names_before_adding_anything(before_realm_column):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET realm = 'a b' WHERE instance_id = 1")
    with pytest.raises(InvalidRealm, match="'a b'"):
        migrate_to(LATEST)
    assert realm_column(Legacy._meta.db_table) is None
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET realm = 'ab' WHERE instance_id = 1")
    migrate_to(LATEST)
    with unscoped():
        assert Legacy.objects.get(pk=1).realm == "ab"


# A real commit on PostgreSQL: aether's deferred key refuses it until the table is dropped.

@postgres_only("a commit refused by a deferred foreign key")
@pytest.mark.django_db(transaction=True)
def test_aether_key_refuses_deletes_at_commit_until_dropped(tenancy):
    with unscoped():
        project = Project.objects.create(name="from aether", realm="north")
    try:
        create_aether_table(Project._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT condeferrable, condeferred FROM pg_constraint "
                           f"WHERE conrelid = '{TABLE}'::regclass AND contype = 'f'")
            assert cursor.fetchall() == [(True, True)]
        aether_realms((project.pk, "north"))
        with pytest.raises(IntegrityError), transaction.atomic(), realm_context("north"):
            Project.objects.get(pk=project.pk).delete()
        run("--drop-aether-table")
        with transaction.atomic(), realm_context("north"):
            Project.objects.get(pk=project.pk).delete()
        assert not Project.all_realms.filter(pk=project.pk).exists()
    finally:
        drop_if_present()
