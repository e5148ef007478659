"""tenancy-rls-child-*, tenancy-rls-grandchild-*: two policies for child models, measured.

A child model has no realm column: its realm is its owner's, through ``mt_field``.
Two ways to give its table a policy, on PostgreSQL (a throwaway cluster):

- subquery (what EnableRealmRLS does): the child's owner must be in the realm,
  ``EXISTS (SELECT 1 FROM project o1 WHERE o1.id = survey.project_id AND o1.realm =
  <setting>)``, through every level of ``mt_field``;
- column: a denormalised realm column on the child (kept by triggers), compared
  as on the owner, with an index on (realm, id).

10,000 projects over 100 realms; 1,000,000 surveys (children, through project) and
1,000,000 answers (grandchildren, through survey__project), each realm's rows spread
over the whole table. Pages of 50 by id, read as a role without SUPERUSER or
BYPASSRLS with a realm set: "raw" is the page with no realm filter (the policy
alone: dbshell, reports), "orm" the page as the ORM's default manager asks for it
(joined to the owner and filtered on its realm). Reference figures, not targets:
subject and baseline name the two layouts.
"""

from django.db import connection, connections
from django.test.utils import override_settings

from benchmarks.clients import migrate
from eha_tenancy import realm_context
from eha_tenancy.rls import realm_value_sql

SETTINGS = "benchmarks.settings_tenancy"
PROJECTS, CHILDREN, REALMS, PAGE = 10_000, 1_000_000, 100, 50
REALM = "realm-042"
APP_ROLE = "eha_bench_app"
REALM_SQL = realm_value_sql("eha.realm")
REFERENCE = 1000.0

SETUP = [
    f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS",
    "CREATE TABLE project (id bigint PRIMARY KEY, realm varchar(63) NOT NULL, name text)",
    "CREATE INDEX ON project (realm, id)",
    f"INSERT INTO project SELECT g, 'realm-' || lpad((g % {REALMS})::text, 3, '0'), 'p' "
    f"FROM generate_series(1, {PROJECTS}) g",
    # subquery layout: the tables as Django makes them (an index per foreign key)
    "CREATE TABLE survey (id bigint PRIMARY KEY, project_id bigint NOT NULL "
    "REFERENCES project, name text)",
    f"INSERT INTO survey SELECT g, 1 + g % {PROJECTS}, 's' FROM generate_series(1, {CHILDREN}) g",
    "CREATE INDEX ON survey (project_id)",
    "CREATE TABLE answer (id bigint PRIMARY KEY, survey_id bigint NOT NULL "
    "REFERENCES survey, value text)",
    f"INSERT INTO answer SELECT g, 1 + (g::bigint * 7919) % {CHILDREN}, 'a' "
    f"FROM generate_series(1, {CHILDREN}) g",
    "CREATE INDEX ON answer (survey_id)",
    # column layout: the same rows with their owner's realm copied in
    "CREATE TABLE survey_c (id bigint PRIMARY KEY, project_id bigint NOT NULL "
    "REFERENCES project, name text, realm varchar(63) NOT NULL)",
    "INSERT INTO survey_c SELECT s.*, p.realm FROM survey s JOIN project p ON p.id = s.project_id",
    "CREATE INDEX ON survey_c (project_id)",
    "CREATE INDEX ON survey_c (realm, id)",
    "CREATE TABLE answer_c (id bigint PRIMARY KEY, survey_id bigint NOT NULL "
    "REFERENCES survey_c, value text, realm varchar(63) NOT NULL)",
    "INSERT INTO answer_c SELECT a.*, s.realm FROM answer a JOIN survey_c s ON s.id = a.survey_id",
    "CREATE INDEX ON answer_c (survey_id)",
    "CREATE INDEX ON answer_c (realm, id)",
    f"GRANT SELECT ON project, survey, answer, survey_c, answer_c TO {APP_ROLE}",
]
POLICIES = {
    "project": f"realm = {REALM_SQL}",
    # as eha_tenancy.rls.realm_condition writes them
    "survey": "EXISTS (SELECT 1 FROM project o1 WHERE o1.id = survey.project_id "
              f"AND o1.realm = {REALM_SQL})",
    "answer": "EXISTS (SELECT 1 FROM survey o1 JOIN project o2 ON o2.id = o1.project_id "
              f"WHERE o1.id = answer.survey_id AND o2.realm = {REALM_SQL})",
    "survey_c": f"realm = {REALM_SQL}",
    "answer_c": f"realm = {REALM_SQL}",
}
PAGES = {
    "child-raw": "SELECT s.* FROM {survey} s ORDER BY s.id LIMIT 50",
    "child-orm": "SELECT s.* FROM {survey} s JOIN project p ON p.id = s.project_id "
                 "WHERE p.realm = %s ORDER BY s.id LIMIT 50",
    "grandchild-raw": "SELECT a.* FROM {answer} a ORDER BY a.id LIMIT 50",
    "grandchild-orm": "SELECT a.* FROM {answer} a JOIN {survey} s ON s.id = a.survey_id "
                      "JOIN project p ON p.id = s.project_id WHERE p.realm = %s "
                      "ORDER BY a.id LIMIT 50",
}
SUBQUERY = {"survey": "survey", "answer": "answer"}
COLUMN = {"survey": "survey_c", "answer": "answer_c"}


def scenarios(bench) -> None:
    migrate()
    with connection.cursor() as cursor:
        for sql in SETUP:
            cursor.execute(sql)
        for table, condition in POLICIES.items():
            cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"CREATE POLICY eha_realm ON {table} USING ({condition})")
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    with override_settings(TENANCY_RLS=["app"]), realm_context(REALM):
        for name, sql in PAGES.items():
            compare_layouts(bench, name, sql)
        with connection.cursor() as cursor:
            # An index on (owner, id) lets the subquery read survey ids from the index.
            cursor.execute("CREATE INDEX ON survey (project_id, id)")
            cursor.execute("VACUUM ANALYZE survey")
        compare_layouts(bench, "grandchild-raw-covering", PAGES["grandchild-raw"])


def page(database, sql):
    with database.cursor() as cursor:
        cursor.execute(sql, [REALM] if "%s" in sql else None)
        return cursor.fetchall()


def compare_layouts(bench, name: str, template: str) -> None:
    """Time a page under the subquery policy against the column policy (and RLS off)."""
    app = connections["app"]
    subquery, column = template.format(**SUBQUERY), template.format(**COLUMN)
    assert [row[0] for row in page(app, subquery)] == [row[0] for row in page(app, column)]
    assert len(page(app, subquery)) == PAGE
    iterations = 30 if name.startswith("grandchild-orm") else 300
    extra = {}
    if "%s" in template:  # the ORM's page: the same query as a superuser, no policy
        assert page(app, subquery) == page(connection, subquery)
        off = bench.compare(f"tenancy-rls-{name}-subquery-vs-off-pg",
                            subject=lambda: page(app, subquery),
                            baseline=lambda: page(connection, subquery),
                            target=REFERENCE, iterations=iterations)
        extra["rls_off_us"] = off["baseline_us"]
    bench.compare(f"tenancy-rls-{name}-subquery-vs-column-pg",
                  subject=lambda: page(app, subquery), baseline=lambda: page(app, column),
                  target=REFERENCE, iterations=iterations, extra=extra)
