"""Fixtures of the tenancy tests: tenancy on or off, three realms with their users."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection

from eha_tenancy import unscoped
from eha_testkit import add_member
from tests.eha_tenancy.testapp.models import Answer, Project, Survey

REALM_MIDDLEWARE = "eha_tenancy.middleware.RealmMiddleware"
# A role as a deployed application should connect with: no SUPERUSER, no BYPASSRLS,
# owner of no table. PostgreSQL applies row-level security to it; the throwaway
# cluster's postgres role, a superuser, ignores the policies.
APP_ROLE = "eha_rls_app"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Memberships are cached; rolled-back rows must not leave entries behind.
    caches["default"].clear()
    yield
    caches["default"].clear()


def _urls_and_middleware(settings, on: bool):
    settings.MULTITENANCY = on
    settings.ROOT_URLCONF = "tests.eha_tenancy.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, REALM_MIDDLEWARE]
    return settings


@pytest.fixture
def tenancy(settings):
    """MULTITENANCY on, RealmMiddleware after AuthenticationMiddleware."""
    return _urls_and_middleware(settings, True)


@pytest.fixture
def tenancy_off(settings):
    """MULTITENANCY off, with the same middleware and URLs."""
    return _urls_and_middleware(settings, False)


def make_user(username: str, *realms: str, **extra) -> User:
    user = User.objects.create_user(username, password="pw", **extra)
    for realm in realms:
        add_member(user, realm)
    return user


@pytest.fixture
def world(db):
    """Realms a, b, c; alice (a), bob (b), carol (c), dave (a and b), root (superuser),
    one project, survey and answer in each realm."""
    users = SimpleNamespace(
        alice=make_user("alice", "a"), bob=make_user("bob", "b"), carol=make_user("carol", "c"),
        dave=make_user("dave", "a", "b"),
        root=make_user("root", is_superuser=True, is_staff=True))
    objects = {}
    with unscoped():
        for realm in "abc":
            project = Project.objects.create(name=f"project-{realm}", realm=realm)
            survey = Survey.objects.create(name=f"survey-{realm}", project=project)
            answer = Answer.objects.create(value=f"answer-{realm}", survey=survey)
            objects[realm] = SimpleNamespace(project=project, survey=survey, answer=answer)
    return SimpleNamespace(users=users, **objects)


def create_app_role() -> None:
    """Create APP_ROLE (once per cluster) and let it read and write every table."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
            f"THEN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                       f"TO {APP_ROLE}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")


@contextmanager
def as_app_role():
    """Run the block's statements on this thread's connection as APP_ROLE."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
