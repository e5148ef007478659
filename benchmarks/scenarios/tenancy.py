"""tenancy-middleware-list, tenancy-scoped-page-pg, tenancy-aether-join-reference.

On PostgreSQL (a throwaway cluster, see benchmarks/settings_tenancy.py):

- tenancy-middleware-list: the demo's realm-scoped notes API, a page of 50, through
  RealmMiddleware with MULTITENANCY on, against the same view with tenancy off.
- tenancy-scoped-page-pg: 1,000,000 notes over 100 realms; a realm's page of 50 by
  pk through the default (scoped) manager against the same page unscoped.
- tenancy-aether-join-reference: the same realm page the way aether.sdk stored realms
  (a separate multitenancy_mtinstance table joined on every query), for reference.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from example.demo.models import Note

from benchmarks.clients import client_with, migrate
from eha_tenancy import add_user_to_realm, realm_context, unscoped

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
