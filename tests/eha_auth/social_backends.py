"""social-auth's generic OpenID Connect backend, once per realm of the local provider.

The provider's port is chosen at run time, so each OIDC_ENDPOINT (the realm's URL) comes
from ``SOCIAL_AUTH_<NAME>_OIDC_ENDPOINT`` instead of the class attribute.
"""

from social_core.backends.open_id_connect import OpenIdConnectAuth


class IdpAlpha(OpenIdConnectAuth):
    name = "idp-alpha"
    title = "Alpha (OpenID Connect)"


class IdpBeta(OpenIdConnectAuth):
    name = "idp-beta"


class IdpDown(OpenIdConnectAuth):
    """A provider that cannot be reached (a class of its own: discovery is cached per class)."""

    name = "idp-down"
