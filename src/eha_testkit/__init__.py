"""Test kit for projects using the eha apps: realm keys, tokens, signed-in clients, realms.

pytest fixtures are in ``eha_testkit.plugin`` (loaded by its ``pytest11`` entry point);
everything here works in Django's ``TestCase`` too.
"""

from .client import METHODS, SignIn, proxy_session
from .keys import KeysServer, RealmKey, mint_gateway_token, token_claims
from .provider import LocalProvider, provider_available
from .realms import add_member, make_realm, make_user
from .testcase import KitMixin

__all__ = [
    "METHODS",
    "KeysServer",
    "KitMixin",
    "LocalProvider",
    "RealmKey",
    "SignIn",
    "add_member",
    "make_realm",
    "make_user",
    "mint_gateway_token",
    "provider_available",
    "proxy_session",
    "token_claims",
]
