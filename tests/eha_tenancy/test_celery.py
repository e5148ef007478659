"""Realms travel with Celery tasks: a real worker process, Redis as the broker.

The worker shares the test's database: a temporary SQLite file, or with
EHA_TEST_DB=postgres a fresh database on the run's PostgreSQL server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from eha_tenancy import RealmRequired, realm_context
from tests.harness.servers import ROOT, _pythonpath

celery_app = pytest.importorskip("tests.eha_tenancy.celery_app")
TIMEOUT = 60


@pytest.fixture(scope="module")
def database_env(request, tmp_path_factory):
    """Environment naming a migrated database the worker can reach."""
    if os.environ.get("EHA_TEST_DB", "sqlite") == "postgres":
        import psycopg

        server = request.getfixturevalue("postgres_server")
        name = f"eha_celery_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(host=server.host, port=server.port, user=server.user,
                             password=server.password or None, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        env = {"EHA_PG_HOST": server.host, "EHA_PG_PORT": str(server.port),
               "EHA_PG_USER": server.user, "EHA_PG_PASSWORD": server.password or "",
               "EHA_PG_NAME": name}
    else:
        env = {"EHA_DB_FILE": str(tmp_path_factory.mktemp("celery") / "db.sqlite3")}
    env = {**os.environ, "PYTHONPATH": _pythonpath(),
           "DJANGO_SETTINGS_MODULE": "tests.projects.ops", **env}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, cwd=ROOT,
                   check=True)
    return env


@pytest.fixture(scope="module")
def worker(database_env, redis_server, tmp_path_factory):
    """A real Celery worker (solo pool), and the test's app pointed at its broker."""
    url = redis_server.url.rsplit("/", 1)[0] + "/5"  # a database of its own
    env = {**database_env, "EHA_BROKER_URL": url}
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.eha_tenancy.celery_app", "worker",
             "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    celery_app.app.conf.update(broker_url=url, result_backend=url)
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(task, *args, **options):
    result = task.apply_async(args, **options)
    result.get(timeout=TIMEOUT, propagate=False)
    return result


def test_tasks_sent_from_two_realms_see_only_their_rows(worker):
    with realm_context("north"):
        assert run(celery_app.create_project, "north-project").result == "north"
    with realm_context("south"):
        assert run(celery_app.create_project, "south-project").result == "south"
        assert run(celery_app.project_names).result == {"active": "south",
                                                       "names": ["south-project"]}
    with realm_context("north"):
        assert run(celery_app.project_names).result == {"active": "north",
                                                       "names": ["north-project"]}


def test_task_sent_with_no_realm_raises_in_the_worker(worker):
    with realm_context("north"):  # a task in a realm first: its realm must not stay active
        assert run(celery_app.project_names).result["active"] == "north"
    result = run(celery_app.project_names)
    assert result.state == "FAILURE"
    assert isinstance(result.result, RealmRequired)


@pytest.mark.parametrize("hostile", ["north\nINFO forged", "../north", "a" * 70, "x__y"])
def test_malformed_realm_header_is_refused_never_activated(worker, hostile):
    result = run(celery_app.project_names, headers={"eha_realm": hostile})
    assert result.state == "FAILURE"
    assert isinstance(result.result, RealmRequired)
    log = worker.read_text(errors="replace")
    assert "runs with no realm: A realm name has 1 to 63" in log


class Member:
    """A request's user as RequestRealm sees it (pk, is_authenticated, and a username for
    the audit event of a refusal)."""

    is_authenticated = True

    def __init__(self, pk):
        self.pk = pk

    def get_username(self):
        return f"member-{self.pk}"


def headers_sent_in(value) -> dict:
    from eha_tenancy.contrib.celery import add_realm_header
    from eha_tenancy.state import Activation

    headers: dict = {}
    with Activation(value):
        add_realm_header(headers=headers)
    return headers


def test_a_request_realm_is_sent_only_to_its_members():
    from types import SimpleNamespace

    from eha_tenancy.state import UNSCOPED, RequestRealm

    def member_of_north(user, realm):
        return realm == "north" and user.pk == 1

    for pk, expected in ((1, {"eha_realm": "north"}), (2, {})):
        request = SimpleNamespace(user=Member(pk))
        assert headers_sent_in(RequestRealm("north", request, member_of_north)) == expected
    assert headers_sent_in(UNSCOPED) == {}
    assert headers_sent_in(None) == {}
