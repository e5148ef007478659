"""EnableRealmRLS: the migration operation adding the realm policy to a table."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.writer import OperationWriter

from eha_tenancy.operations import EnableRealmRLS
from eha_tenancy.rls import POLICY, realm_condition
from tests.eha_tenancy.conftest import APP_ROLE, create_app_role
from tests.harness.postgres import on_postgres, postgres_only

pytestmark = pytest.mark.django_db
APP = "tenancy_testapp"
TABLE = "tenancy_testapp_project"


def sqlmigrate(name: str, *options: str) -> str:
    out = io.StringIO()
    call_command("sqlmigrate", APP, name, *options, stdout=out)
    return out.getvalue()


def migrate(target: str) -> None:
    call_command("migrate", APP, target, verbosity=0)


def row_security(table: str = TABLE) -> tuple:
    """Return (enabled, forced, policy names) of ``table``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relrowsecurity, relforcerowsecurity, ARRAY(SELECT polname "
                       "FROM pg_policy WHERE polrelid = c.oid) FROM pg_class c "
                       "WHERE c.oid = to_regclass(%s)", [table])
        return cursor.fetchone()


def historical(name: str):
    state = MigrationExecutor(connection).loader.project_state((APP, "0007_realm_rls"))
    return state.apps.get_model(APP, name)


def test_one_line_per_model_and_a_name():
    operation = EnableRealmRLS("Answer", mt_field="survey__project")
    assert operation.describe() == "Enable realm row-level security on Answer"
    assert operation.migration_name_fragment == "realm_rls_answer"
    written, imports = OperationWriter(operation, indentation=0).serialize()
    assert imports == {"import eha_tenancy.operations"}
    assert written.split() == ["eha_tenancy.operations.EnableRealmRLS(", "model_name='Answer',",
                               "mt_field='survey__project',", "),"]


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses a transaction
def test_sqlmigrate_shows_the_policy_on_postgresql_only():
    forwards, backwards = sqlmigrate("0007_realm_rls"), sqlmigrate("0007_realm_rls",
                                                                   "--backwards")
    if on_postgres():
        tables = 6  # Project, Survey, Answer, Tag, Milestone, Legacy
        assert forwards.count("CREATE POLICY eha_realm") == tables
        assert backwards.count("DISABLE ROW LEVEL SECURITY") == tables
    else:
        assert "POLICY" not in forwards and "ROW LEVEL" not in backwards


@pytest.mark.django_db(transaction=True)
def test_migrating_back_and_forth_runs_on_every_backend():
    try:
        migrate("0006_legacy_managers_index")
        if on_postgres():
            assert row_security() == (False, False, [])
    finally:
        migrate("0007_realm_rls")
    if on_postgres():
        assert row_security() == (True, False, [POLICY])


def test_child_policies_go_through_the_owner():
    quote = connection.ops.quote_name
    assert realm_condition(historical("Project"), None, "eha.realm", quote) == (
        "\"realm\" = NULLIF((SELECT current_setting('eha.realm', true)), '')")
    condition = realm_condition(historical("Answer"), "survey__project", "eha.realm", quote)
    assert condition == (
        'EXISTS (SELECT 1 FROM "tenancy_testapp_survey" o1 JOIN "tenancy_testapp_project" o2 '
        'ON o2."id" = o1."project_id" WHERE o1."id" = "tenancy_testapp_answer"."survey_id" '
        "AND o2.\"realm\" = NULLIF((SELECT current_setting('eha.realm', true)), ''))")


def test_a_child_without_its_path_is_refused_with_the_fix():
    with pytest.raises(ValueError, match='mt_field="survey__project"'):
        realm_condition(historical("Answer"), None, "eha.realm", connection.ops.quote_name)
    with pytest.raises(ValueError, match="does not reach a realm column"):
        realm_condition(historical("Answer"), "survey__name", "eha.realm", str)


@postgres_only("FORCE ROW LEVEL SECURITY is PostgreSQL's")
def test_force_applies_the_policy_to_the_owner(settings):
    settings.MULTITENANCY, settings.TENANCY_RLS = True, True
    create_app_role()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (realm, name) VALUES ('a', 'x'), ('b', 'y')")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks pending: ALTER TABLE
        cursor.execute(f"ALTER TABLE {TABLE} OWNER TO {APP_ROLE}")

    def owner_sees() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            count = cursor.fetchone()[0]
            cursor.execute("RESET ROLE")
            return count

    assert owner_sees() == 2  # the owner is not subject to its table's policies
    settings.TENANCY_RLS_FORCE = True
    migrate("0006_legacy_managers_index")
    migrate("0007_realm_rls")
    assert row_security()[:2] == (True, True)
    assert owner_sees() == 0
    migrate("0006_legacy_managers_index")
    assert row_security() == (False, False, [])


def test_a_realm_column_in_a_parent_table_is_reached_through_the_parent_link():
    from django.apps.registry import Apps
    from django.db import models

    from eha_tenancy.models import MtModelAbstract

    registry = Apps(["django.contrib.contenttypes"])

    class Base(MtModelAbstract):
        class Meta(MtModelAbstract.Meta):
            app_label = APP
            apps = registry

    class Special(Base):  # multi-table inheritance: realm lives in Base's table
        extra = models.CharField(max_length=10)

        class Meta(MtModelAbstract.Meta):
            app_label = APP
            apps = registry

    assert realm_condition(Special, None, "eha.realm", connection.ops.quote_name) == (
        'EXISTS (SELECT 1 FROM "tenancy_testapp_base" o1 WHERE o1."id" = '
        '"tenancy_testapp_special"."base_ptr_id" AND o1."realm" = '
        "NULLIF((SELECT current_setting('eha.realm', true)), ''))")
