"""Social login against the local provider: social-auth's OpenID Connect backend, per realm.

Each realm of a Keycloak-shaped provider is its own OpenID Connect issuer, so each is a
backend; OIDC_ENDPOINT (the realm's URL) is set in settings from KEYCLOAK_SERVER_URL.
"""

from social_core.backends.open_id_connect import OpenIdConnectAuth


class IdpAlpha(OpenIdConnectAuth):
    name = "idp-alpha"
    title = "OpenID Connect (realm alpha)"


class IdpBeta(OpenIdConnectAuth):
    name = "idp-beta"
    title = "OpenID Connect (realm beta)"
