"""The OpenID Connect core shared by Keycloak login, gateway tokens and other ways in."""

from .errors import (
    AccountNotReady,
    InvalidToken,
    ProviderRejected,
    ProviderUnavailable,
    RealmNotFound,
    SetupMismatch,
    UnknownRealm,
)

__all__ = ["AccountNotReady", "InvalidToken", "ProviderRejected", "ProviderUnavailable",
           "RealmNotFound", "SetupMismatch", "UnknownRealm"]
