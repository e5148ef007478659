"""For Django's ``TestCase`` (no pytest needed): a keys server for the class, and sign-ins."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from .client import SignIn
from .keys import KeysServer


class KitMixin:
    """Start a KeysServer for the test class and point the apps at it.

    Put it before ``TestCase``: ``class MyTests(KitMixin, TestCase)``. ``kit_settings``
    adds settings of the class (the realms allowed, the gateway's service id...).
    ``self.keys`` mints tokens, ``self.kit.signed_in(user, realm, method=...)`` gives
    clients.
    """

    kit_settings: dict[str, Any] = {}
    keys: KeysServer
    kit: SignIn

    @classmethod
    def setUpClass(cls) -> None:
        cls.keys = KeysServer().start()
        cls.addClassCleanup(cls.keys.stop)  # type: ignore[attr-defined]  # on TestCase
        override = override_settings(**cls.keys.settings(), **cls.kit_settings)
        override.enable()
        cls.addClassCleanup(override.disable)  # type: ignore[attr-defined]  # on TestCase
        cls.kit = SignIn(cls.keys)
        super().setUpClass()  # type: ignore[misc]  # TestCase's
