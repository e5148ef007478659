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


class RealmNotFound(ProviderUnavailable):
    """The provider answered 404: it has no such realm, or KEYCLOAK_SERVER_URL is wrong.

    A fault of the set-up, not of what the user sent: login answers 503, and a token of
    the realm cannot be verified.
    """


class ProviderRejected(Exception):
    """The provider refused the request (wrong password, expired refresh token, ...).

    ``status`` is the HTTP status; ``error`` and ``description`` are the OAuth 2.0 error
    code and description of the answer (RFC 6749 section 5.2), when it had them.
    """

    def __init__(self, message: str, status: int | None = None, error: str | None = None,
                 description: str | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.description = status, error, description


class AccountNotReady(ProviderRejected):
    """The password was right but the account has a pending required action at the provider.

    Keycloak refuses the password grant of such a user with 400 ``invalid_grant``,
    "Account is not fully set up" (e.g. Verify Profile, Update Password, Configure OTP);
    the user completes it by signing in on the provider's own page.
    """
