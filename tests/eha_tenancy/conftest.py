"""Fixtures of the tenancy tests: tenancy on or off, three realms with their users."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import caches

from eha_tenancy import unscoped
from tests.eha_tenancy.testapp.models import Answer, Project, Survey

REALM_MIDDLEWARE = "eha_tenancy.middleware.RealmMiddleware"


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
        user.groups.add(Group.objects.get_or_create(name=realm)[0])
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
