"""Why a token or a provider call was refused: messages never hold the token."""

from __future__ import annotations


class InvalidToken(Exception):
    """The token cannot be trusted (the message says why, without the token)."""


class UnknownRealm(InvalidToken):
    """The realm is not in KEYCLOAK_REALMS (nor accepted by KEYCLOAK_REALM_RESOLVER)."""


class SetupMismatch(InvalidToken):
    """A genuine token of the realm that the settings or the provider's setup do not accept.

    The message says what to change, in the provider's or the settings' terms.
    """


class ProviderUnavailable(Exception):
    """The provider could not be reached in time, or answered with a server error."""


class ProviderRejected(Exception):
    """The provider refused the request (wrong password, expired refresh token, ...)."""
