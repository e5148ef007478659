"""The OpenID Connect core shared by Keycloak login, gateway tokens and other ways in."""

from .errors import (
    InvalidToken,
    ProviderRejected,
    ProviderUnavailable,
    SetupMismatch,
    UnknownRealm,
)

__all__ = ["InvalidToken", "ProviderRejected", "ProviderUnavailable", "SetupMismatch",
           "UnknownRealm"]
