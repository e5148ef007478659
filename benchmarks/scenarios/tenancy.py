"""tenancy-middleware-list, tenancy-scoped-page-pg, tenancy-aether-join-reference.

On PostgreSQL (a throwaway cluster, see benchmarks/settings_tenancy.py):

- tenancy-middleware-list: the demo's realm-scoped notes API, a page of 50, through
  RealmMiddleware with MULTITENANCY on, against the same view with tenancy off.
- tenancy-scoped-page-pg: 1,000,000 notes over 100 realms; a realm's page of 50 by
  pk through the default (scoped) manager against the same page unscoped.
- tenancy-aether-join-reference: the same realm page the way aether.sdk stored realms
  (a separate multitenancy_mtinstance table joined on every query), for reference.
- tenancy-rls-page-pg: the scoped page of tenancy-scoped-page-pg with row-level
  security on (EnableRealmRLS's policy; TENANCY_RLS; a role without SUPERUSER or
  BYPASSRLS) against the same page with it off (a superuser connection, no setting).
- tenancy-rls-raw-page-pg: a raw SQL page with no realm filter, limited by the policy
  alone, against the same page filtered by an explicit WHERE realm = %s, RLS off.
- tenancy-rls-statement-pg: SELECT 1 with the realm set in front of it against
  SELECT 1 alone: what TENANCY_RLS adds to every statement outside a transaction.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings
from example.demo.models import Note

from benchmarks.clients import client_with, migrate
from eha_tenancy import add_user_to_realm, realm_context, unscoped
from eha_tenancy.rls import enable_statements

SETTINGS = "benchmarks.settings_tenancy"
ROWS, REALMS, PAGE = 1_000_000, 100, 50
REALM = "realm-042"
REALM_MIDDLEWARE = "eha_tenancy.middleware.RealmMiddleware"


def scenarios(bench) -> None:
    migrate()
    middleware_list(bench)
    load_rows()
    scoped_page(bench)
    aether_join(bench)
    with override_settings(TENANCY_RLS=["app"]):  # the superuser default stays without
        rls_pages(bench)


def middleware_list(bench) -> None:
    alice = User.objects.create_user("alice")
    add_user_to_realm("north", alice)
    with unscoped():
        Note.objects.bulk_create(Note(title=f"note {i}", realm=realm, author=alice)
                                 for i in range(200) for realm in ("north", "south"))
    without = [m for m in settings.MIDDLEWARE if m != REALM_MIDDLEWARE]
    on, off = client_with(), client_with(MIDDLEWARE=without)
    for client in (on, off):
        client.force_login(alice)
    headers = {"HTTP_EHA_REALM": "north"}

    def tenancy_on():
        settings.MULTITENANCY = True
        return on.get("/api/notes/", **headers)

    def tenancy_off():
        settings.MULTITENANCY = False
        return off.get("/api/notes/", **headers)

    subject, baseline = tenancy_on(), tenancy_off()
    assert subject.status_code == baseline.status_code == 200
    assert len(subject.json()["results"]) == len(baseline.json()["results"]) == PAGE
    assert {n["realm"] for n in subject.json()["results"]} == {"north"}
    extra = {"queries_per_request": _queries(tenancy_on),
             "queries_per_request_off": _queries(tenancy_off)}
    bench.compare("tenancy-middleware-list", subject=tenancy_on, baseline=tenancy_off,
                  target=1.10, iterations=1500, extra=extra)
    settings.MULTITENANCY = True
    with unscoped():
        Note.all_realms.all().delete()


def _queries(request) -> int:
    request()
    with CaptureQueriesContext(connection) as queries:
        request()
    return len(queries)


def load_rows() -> None:
    table = Note._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (realm, title, body) SELECT "
            f"'realm-' || lpad((g % {REALMS})::text, 3, '0'), 'note ' || g, '' "
            f"FROM generate_series(1, {ROWS}) g")
        cursor.execute(f"VACUUM ANALYZE {table}")


def scoped_page(bench) -> None:
    with realm_context(REALM):
        scoped = Note.objects.order_by("pk")
        plan = scoped[:PAGE].explain()
        assert len(list(scoped[:PAGE])) == PAGE

        def subject():
            return list(Note.objects.order_by("pk")[:PAGE])

        def baseline():
            return list(Note.all_realms.order_by("pk")[:PAGE])

        bench.compare("tenancy-scoped-page-pg", subject=subject, baseline=baseline,
                      target=1.3, iterations=2000, extra={
                          "rows": ROWS, "realms": REALMS,
                          "index_scan": "Index Scan" in plan or "Index Only Scan" in plan,
                          "plan": plan.splitlines()[1].strip().replace("  ", " ")
                          if "\n" in plan else plan.strip(),
                          "queries_per_page": 1})


def aether_join(bench) -> None:
    table = Note._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE multitenancy_mtinstance (id serial PRIMARY KEY, "
            f"instance_id bigint NOT NULL UNIQUE REFERENCES {table}(id), realm text NOT NULL)")
        cursor.execute(f"INSERT INTO multitenancy_mtinstance (instance_id, realm) "
                       f"SELECT id, realm FROM {table}")
        cursor.execute("CREATE INDEX ON multitenancy_mtinstance (realm)")
        cursor.execute("VACUUM ANALYZE multitenancy_mtinstance")
    joined = (f"SELECT n.* FROM {table} n JOIN multitenancy_mtinstance mt "
              f"ON mt.instance_id = n.id WHERE mt.realm = %s ORDER BY n.id LIMIT {PAGE}")
    plain = f"SELECT n.* FROM {table} n ORDER BY n.id LIMIT {PAGE}"

    def run(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    assert len(run(joined, [REALM])) == PAGE
    bench.compare("tenancy-aether-join-reference", subject=lambda: run(joined, [REALM]),
                  baseline=lambda: run(plain), target=1000.0, iterations=300,
                  extra={"reference": "aether.sdk layout, not a target"})


APP_ROLE = "eha_bench_app"


def enable_rls() -> None:
    """Give Note the realm policy, and create the application's role."""
    with connection.schema_editor() as editor:
        for sql in enable_statements(Note, None, editor.quote_name, force=False):
            editor.execute(sql, params=None)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                       f"TO {APP_ROLE}")


def rls_pages(bench) -> None:
    enable_rls()
    app = connections["app"]
    with realm_context(REALM):
        page = list(Note.objects.using("app").order_by("pk")[:PAGE])
        assert page == list(Note.objects.order_by("pk")[:PAGE])
        assert {note.realm for note in page} == {REALM}
        plan = Note.objects.using("app").order_by("pk")[:PAGE].explain()

        def subject():
            return list(Note.objects.using("app").order_by("pk")[:PAGE])

        def baseline():
            return list(Note.objects.order_by("pk")[:PAGE])

        bench.compare("tenancy-rls-page-pg", subject=subject, baseline=baseline,
                      target=1.10, iterations=2000, extra={
                          "rows": ROWS, "realms": REALMS, "queries_per_page": 1,
                          "index_scan": "Index Scan" in plan or "Index Only Scan" in plan})
        raw_pages(bench, app)
        statement(bench, app)


def raw_pages(bench, app) -> None:
    table = Note._meta.db_table
    unfiltered = f"SELECT * FROM {table} ORDER BY id LIMIT {PAGE}"
    filtered = f"SELECT * FROM {table} WHERE realm = %s ORDER BY id LIMIT {PAGE}"

    def run(database, sql, params=None):
        with database.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    assert run(app, unfiltered) == run(connection, filtered, [REALM])
    # A query of ~0.2 ms: the SET LOCAL in front (tenancy-rls-statement-pg) shows more.
    bench.compare("tenancy-rls-raw-page-pg", subject=lambda: run(app, unfiltered),
                  baseline=lambda: run(connection, filtered, [REALM]), target=1.20,
                  iterations=2000, extra={"rows": ROWS, "realms": REALMS})


def statement(bench, app) -> None:
    def select_one(database):
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchall()

    bench.compare("tenancy-rls-statement-pg", subject=lambda: select_one(app),
                  baseline=lambda: select_one(connection), target=1.5, iterations=3000)
