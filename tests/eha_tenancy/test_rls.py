"""Realm isolation enforced by PostgreSQL: row-level security with TENANCY_RLS on.

The throwaway cluster's ``postgres`` role is a superuser, and PostgreSQL ignores
policies for superusers: these tests read as APP_ROLE (conftest.py), a role
without SUPERUSER or BYPASSRLS that owns no table, as a deployed application
should connect. Rows are written as ``postgres`` (the world fixture), then read
as APP_ROLE.
"""

from __future__ import annotations

import asyncio
import io
import subprocess

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, connections, transaction
from django.test import Client

from eha_tenancy import filters, realm_context, unscoped
from eha_tenancy.db import RealmSetting
from eha_tenancy.state import Activation
from tests.eha_tenancy.conftest import APP_ROLE, as_app_role, create_app_role, make_user
from tests.eha_tenancy.testapp.models import Answer, Project, Survey
from tests.harness.postgres import _pg_bin, postgres_only
from tests.harness.threads import together

pytestmark = postgres_only("row-level security is PostgreSQL's")

TABLES = {"project": Project._meta.db_table, "survey": Survey._meta.db_table,
          "answer": Answer._meta.db_table}
NAMES = {"project": "name", "survey": "name", "answer": "value"}


def raw_rows() -> dict[str, list[str]]:
    """Return the names of every project, survey and answer raw SQL can see."""
    found = {}
    with connection.cursor() as cursor:
        for kind, table in TABLES.items():
            cursor.execute(f"SELECT {NAMES[kind]} FROM {table} ORDER BY 1")
            found[kind] = [name for (name,) in cursor.fetchall()]
    return found


def rows_of(*realms: str) -> dict[str, list[str]]:
    """What the world fixture holds in ``realms``."""
    return {kind: [f"{kind}-{realm}" for realm in realms] for kind in TABLES}


def names_of(realm: str) -> set[str]:
    """Every name the world fixture holds in ``realm``."""
    return {f"{kind}-{realm}" for kind in TABLES}


@pytest.fixture
def rls(tenancy):
    """Tenancy and TENANCY_RLS on; APP_ROLE exists."""
    tenancy.TENANCY_RLS = True
    create_app_role()
    return tenancy


# Raw SQL through connection.cursor().

@pytest.mark.django_db
def test_raw_sql_in_a_realm_sees_only_that_realm(rls, world):
    with as_app_role():
        with realm_context("a"):
            assert raw_rows() == rows_of("a")
        with realm_context("b"):
            assert raw_rows() == rows_of("b")


@pytest.mark.django_db
def test_with_no_realm_or_unscoped_raw_sql_sees_no_row(rls, world):
    with as_app_role():
        assert raw_rows() == rows_of()
        with unscoped():
            assert raw_rows() == rows_of()


@pytest.mark.django_db
def test_a_superuser_role_sees_every_row_despite_the_policies(rls, world):
    # Why the tests read as APP_ROLE, and what eha_tenancy.W005 warns about.
    assert raw_rows() == rows_of("a", "b", "c")


@pytest.mark.django_db
def test_without_tenancy_rls_the_application_role_sees_no_row(tenancy, world):
    create_app_role()
    with as_app_role(), realm_context("a"):
        assert raw_rows() == rows_of()  # the policies hold; nothing names the realm


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_keep_its_realm(rls, world):
    # In realm b inside a savepoint, rolled back: PostgreSQL restores the value of
    # before the savepoint ("a"), so the next statement in b must set b again.
    with as_app_role(), realm_context("a"):
        assert raw_rows() == rows_of("a")
        with pytest.raises(ZeroDivisionError), transaction.atomic(), realm_context("b"):
            assert raw_rows() == rows_of("b")
            raise ZeroDivisionError
        with realm_context("b"):
            assert raw_rows() == rows_of("b")


@pytest.mark.django_db
def test_realm_names_are_sql_literals(rls, world):
    # Not a valid realm name (realm_context() would refuse it): the quote stays a quote.
    with Activation("o'b%s"), as_app_role():
        assert raw_rows() == rows_of()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('eha.realm', true), %s", ["x"])
            assert cursor.fetchone() == ("o'b%s", "x")


@pytest.mark.django_db
def test_postgres_refuses_writes_into_another_realm(rls, world):
    project, survey = TABLES["project"], TABLES["survey"]
    with as_app_role(), realm_context("a"), connection.cursor() as cursor:
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            cursor.execute(f"INSERT INTO {project} (realm, name) VALUES ('b', 'x')")
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            cursor.execute(f"INSERT INTO {survey} (project_id, name) "
                           "VALUES (%s, 'x')", [world.b.project.pk])
        cursor.execute(f"UPDATE {project} SET name = 'renamed'")
        assert cursor.rowcount == 1
    assert sorted(Project.all_realms.values_list("name", flat=True)) == [
        "project-b", "project-c", "renamed"]


@pytest.mark.django_db
def test_the_orm_goes_through_the_policies_too(rls, world):
    with as_app_role(), realm_context("b"):
        assert list(Answer.all_realms.values_list("value", flat=True)) == ["answer-b"]
        assert [p.name for p in Project.all_realms.iterator(chunk_size=1)] == ["project-b"]


# Persistent connections, autocommit, PgBouncer: committed rows, other connections.

@pytest.fixture
def committed(transactional_db, rls):
    """The world fixture's rows, committed, for other connections and threads to read."""
    with unscoped():
        for realm in "abc":
            project = Project.objects.create(name=f"project-{realm}", realm=realm)
            survey = Survey.objects.create(name=f"survey-{realm}", project=project)
            Answer.objects.create(value=f"answer-{realm}", survey=survey)
    return rls


def session_value() -> str | None:
    """Return the realm setting as the session holds it, between transactions."""
    with connection.connection.cursor() as cursor:  # the driver's: no realm is set here
        cursor.execute("SELECT current_setting('eha.realm', true)")
        return cursor.fetchone()[0]


def test_autocommit_statements_carry_their_realm_and_leave_none_behind(committed):
    assert connection.get_autocommit()
    with as_app_role():
        with realm_context("a"):
            assert raw_rows() == rows_of("a")
        # The value lived in each statement's transaction only: the connection, handed
        # to another request (CONN_MAX_AGE) or another client (PgBouncer), holds none.
        assert session_value() in ("", None)
        assert raw_rows() == rows_of()
        with transaction.atomic(), realm_context("c"):
            assert raw_rows() == rows_of("c")
        assert session_value() in ("", None)


def test_requests_on_one_connection_never_see_the_previous_requests_realm(committed,
                                                                          monkeypatch):
    # The ORM's realm filter off (as in test_isolation.py): only PostgreSQL limits rows.
    monkeypatch.setattr(filters, "limit_to_realm", lambda queryset, lookup, realm: queryset)
    clients = {}
    for name, realm in (("alice", "a"), ("bob", "b")):
        clients[realm] = Client()
        clients[realm].force_login(make_user(name, realm))
    with as_app_role():
        for realm in "abab":  # the test client keeps this thread's connection open
            response = clients[realm].get("/api/projects/", HTTP_EHA_REALM=realm)
            assert [p["name"] for p in response.json()["results"]] == [f"project-{realm}"]
            assert raw_rows() == rows_of()


def test_a_value_set_for_the_session_is_overridden(committed):
    with as_app_role():
        with connection.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('eha.realm', 'a', false)")  # not by eha
        assert raw_rows() == rows_of()
        with transaction.atomic():
            assert raw_rows() == rows_of()
        with realm_context("b"):
            assert raw_rows() == rows_of("b")
        with connection.connection.cursor() as cursor:
            cursor.execute("RESET eha.realm")


def test_statements_that_cannot_run_in_a_transaction_still_run(committed):
    with as_app_role(), realm_context("a"), connection.cursor() as cursor:
        cursor.execute(f"VACUUM {TABLES['project']}")  # refused inside a transaction block


def test_server_side_cursors_and_executemany_get_the_realm(committed):
    with as_app_role(), realm_context("a"):
        assert [p.name for p in Project.all_realms.iterator(chunk_size=1)] == ["project-a"]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {TABLES['project']} SET name = name || '!' "
                               "WHERE realm = %s", [["a"], ["b"]])
    with unscoped():
        assert sorted(Project.all_realms.values_list("name", flat=True)) == [
            "project-a!", "project-b", "project-c"]


def test_server_side_binding_gets_the_realm(committed):
    main = connections["default"]
    options = {**main.settings_dict["OPTIONS"], "server_side_binding": True}
    other = type(main)({**main.settings_dict, "OPTIONS": options}, main.alias)
    try:
        with other.cursor() as cursor:
            assert any(isinstance(w, RealmSetting) for w in other.execute_wrappers)
            cursor.execute(f"SET ROLE {APP_ROLE}")
            for realm in "ab":
                with realm_context(realm):
                    cursor.execute(f"SELECT name FROM {TABLES['project']}")
                    assert cursor.fetchall() == [(f"project-{realm}",)]
                    other.set_autocommit(False)
                    cursor.execute(f"SELECT name FROM {TABLES['survey']}")
                    assert cursor.fetchall() == [(f"survey-{realm}",)]
                    other.commit()
                    other.set_autocommit(True)
    finally:
        other.close()


def test_psql_as_the_application_role(committed):
    settings = connection.settings_dict
    psql = [_pg_bin("psql"), "-X", "-q", "-At", "-h", settings["HOST"],
            "-p", str(settings["PORT"]), "-U", APP_ROLE, "-d", settings["NAME"]]
    query = (f"SELECT name FROM {TABLES['project']} UNION ALL "
             f"SELECT value FROM {TABLES['answer']} ORDER BY 1")

    def run(*statements: str) -> list[str]:
        argv = [*psql, *(part for sql in statements for part in ("-c", sql))]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True)
        return result.stdout.split()

    assert run(query) == []
    assert run("SELECT set_config('eha.realm', 'b', false)", query) == [
        "b", "answer-b", "project-b"]
    assert run("SET eha.realm = 'c'", query) == ["answer-c", "project-c"]


def test_threads_in_different_realms_never_see_each_other(committed):
    def read_in(realm: str) -> set[str]:
        seen = set()
        with as_app_role():
            for _ in range(30):
                with realm_context(realm):
                    rows = raw_rows()
                    seen.update(rows["project"] + rows["survey"] + rows["answer"])
                assert raw_rows() == rows_of()  # the same connection, no realm: nothing
        return seen

    assert together(read_in, ["a", "b", "a", "b"]) == [names_of(realm) for realm in "abab"]


def test_asyncio_tasks_in_different_realms_never_see_each_other(committed):
    async def read_in(realm: str) -> set[str]:
        seen = set()
        async with realm_context(realm):
            for _ in range(30):
                rows = await sync_to_async(raw_rows)()
                seen.update(rows["project"] + rows["survey"] + rows["answer"])
                seen.update([p.name async for p in Project.all_realms.all()])
                await asyncio.sleep(0)  # let the other task run between statements
        return seen

    def set_role() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")

    async def both() -> list[set[str]]:
        # Both tasks share one connection: sync_to_async runs them in one thread.
        await sync_to_async(set_role)()
        try:
            return await asyncio.gather(read_in("a"), read_in("b"))
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(both()) == [names_of("a"), names_of("b")]


# check --database and check_rls.

def database_check_ids() -> list[str]:
    return [message.id for message in run_checks(tags=["database"], databases=["default"])
            if message.id.startswith("eha_tenancy.")]


def check_rls_output() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_rls", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a_superuser_connection_is_warned_about(rls):
    assert database_check_ids() == ["eha_tenancy.W005"]
    out, err = check_rls_output()
    assert "role 'postgres': superuser yes" in out
    assert "W005" in err and "ignores row-level security" in err


@pytest.mark.django_db
def test_the_application_role_passes_and_the_command_lists_the_tables(rls):
    with as_app_role():
        assert database_check_ids() == []
        out, err = check_rls_output()
    assert f"role '{APP_ROLE}': superuser no, bypassrls no; TENANCY_RLS on" in out
    for table in TABLES.values():
        assert f"({table}): policy eha_realm, not forced on its owner\n" in out
    assert err == ""


@pytest.mark.django_db
def test_a_role_with_bypassrls_is_warned_about(rls):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER ROLE {APP_ROLE} BYPASSRLS")  # undone with the test's transaction
    with as_app_role():
        assert database_check_ids() == ["eha_tenancy.W006"]


@pytest.mark.django_db
def test_the_owner_of_a_table_is_warned_about(rls):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLES['survey']} OWNER TO {APP_ROLE}")
    with as_app_role():
        assert database_check_ids() == ["eha_tenancy.W007"]
        assert "owned by this role" in check_rls_output()[0]


@pytest.mark.django_db
def test_a_table_without_its_policy_is_reported(rls):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP POLICY eha_realm ON {TABLES['answer']}")
    with as_app_role():
        assert database_check_ids() == ["eha_tenancy.W008"]
        with pytest.raises(CommandError, match="1 realm table problem"):
            check_rls_output()


def realm_models() -> list:
    """The test app's realm models: each has a policy (migration 0007_realm_rls)."""
    return [model for model in apps.get_app_config("tenancy_testapp").get_models()
            if hasattr(model, "realm_lookup")]


@pytest.mark.django_db
def test_a_policy_reading_another_setting_is_reported(rls):
    rls.TENANCY_RLS_SETTING = "other.realm"
    with as_app_role():
        assert database_check_ids() == ["eha_tenancy.W009"] * len(realm_models())


@pytest.mark.django_db
def test_policies_with_tenancy_rls_off_are_reported(tenancy):
    create_app_role()
    with as_app_role():
        assert database_check_ids() == ["eha_tenancy.W010"]
        with pytest.raises(CommandError, match="1 realm table problem"):
            check_rls_output()


@pytest.mark.django_db
def test_migrate_runs_while_a_policy_is_missing(rls):
    # The checks before migrate must not stop the migration that adds the policy.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP POLICY eha_realm ON {TABLES['answer']}")
    with as_app_role():
        assert database_check_ids() == ["eha_tenancy.W008"]
    call_command("migrate", "tenancy_testapp", "0006_legacy_managers_index", verbosity=0,
                 skip_checks=False)
    call_command("migrate", "tenancy_testapp", verbosity=0, skip_checks=False)
    with as_app_role():
        assert database_check_ids() == []


@pytest.mark.django_db
def test_a_malformed_setting_name_never_reaches_the_sql(rls, world):
    rls.TENANCY_RLS_SETTING = "eha.realm = 'b'; SET eha"
    with (as_app_role(), realm_context("a"),
          pytest.raises(ImproperlyConfigured, match="TENANCY_RLS_SETTING")):
        raw_rows()
