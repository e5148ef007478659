"""pytest fixtures of the kit, registered by the ``pytest11`` entry point.

Fixtures only: nothing happens until a test asks for one. ``eha_keys`` starts the keys
server and points the apps at it for the test; ``kit_client`` signs users in;
``eha_provider`` starts the repository's provider for a full login.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.test import override_settings

from .client import SignIn
from .keys import KeysServer
from .provider import LocalProvider, provider_available


@contextmanager
def applied_settings(request: pytest.FixtureRequest, values: dict[str, Any]) -> Iterator[None]:
    """Apply ``values`` for the test: through pytest-django's ``settings`` when present.

    One stack of changes with the test's own ``settings.X = ...``, undone in reverse
    order; a separate override_settings undone under the test's later changes would
    leave its values behind for the next tests.
    """
    try:
        wrapper = request.getfixturevalue("settings")
    except pytest.FixtureLookupError:
        with override_settings(**values):
            yield
        return
    for name, value in values.items():
        setattr(wrapper, name, value)
    yield


@pytest.fixture(scope="session")
def eha_keys_server() -> Iterator[KeysServer]:
    """The keys server of the run (one key per realm for the whole run)."""
    with KeysServer() as server:
        yield server


@pytest.fixture
def eha_keys(request: pytest.FixtureRequest,
             eha_keys_server: KeysServer) -> Iterator[KeysServer]:
    """The keys server, with the settings pointing the apps at it for this test."""
    with applied_settings(request, eha_keys_server.settings()):
        yield eha_keys_server


@pytest.fixture
def kit_client(eha_keys: KeysServer) -> SignIn:
    """``kit_client.signed_in(user, realm, method=...)``: a signed-in Django test client."""
    return SignIn(eha_keys)


@pytest.fixture(scope="session")
def eha_provider_server() -> Iterator[LocalProvider]:
    """The repository's Keycloak-shaped provider (example/idp) for the run, when importable."""
    if not provider_available():
        pytest.skip("example/idp ships with the eha-django repository only")
    with LocalProvider() as provider:
        yield provider


@pytest.fixture
def eha_provider(request: pytest.FixtureRequest,
                 eha_provider_server: LocalProvider) -> Iterator[LocalProvider]:
    """The provider, with the settings pointing the apps at it for this test."""
    with applied_settings(request, eha_provider_server.settings()):
        yield eha_provider_server


@pytest.fixture
def realm_context() -> Callable[[str], AbstractContextManager[Any]]:
    """eha_tenancy's ``realm_context``: ``with realm_context("alpha"): ...`` queries a realm.

    Found through Django's app registry, so the kit imports no app.
    """
    if not apps.is_installed("eha_tenancy"):
        pytest.skip("eha_tenancy is not installed")
    return apps.get_app_config("eha_tenancy").module.realm_context  # type: ignore[union-attr]  # the app's package
