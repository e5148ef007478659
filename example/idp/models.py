"""Realms, their signing keys, and clients (a Keycloak client is unique within its realm)."""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import models
from jwcrypto import jwk
from oauth2_provider.models import AbstractApplication

from .realms import current_realm

_parsed_keys: dict = {}
LIGHTWEIGHT = "client.use.lightweight.access.token.enabled"


class Realm(models.Model):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.name

    def signing_key(self) -> RealmKey:
        """The newest active key signs (Keycloak: the active key of highest priority)."""
        return self.keys.filter(retired=False, active=True).order_by("-pk").first()

    def published_keys(self) -> list[RealmKey]:
        return list(self.keys.filter(retired=False).order_by("pk"))


class RealmKey(models.Model):
    realm = models.ForeignKey(Realm, related_name="keys", on_delete=models.CASCADE)
    private_pem = models.TextField()
    kid = models.CharField(max_length=64, db_index=True)
    # Keycloak's key states: active (signs and verifies), passive (active=False: published,
    # verifies only), disabled (retired=True: no longer published).
    retired = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.realm}/{self.kid}"

    @classmethod
    def generate(cls, realm: Realm) -> RealmKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        key = jwk.JWK.from_pem(pem.encode())
        return cls.objects.create(realm=realm, private_pem=pem, kid=key.thumbprint())

    def jwk(self) -> jwk.JWK:
        # Loading an RSA private key checks it, which is slow: parse each key once.
        if self.kid not in _parsed_keys:
            _parsed_keys[self.kid] = jwk.JWK.from_pem(self.private_pem.encode())
        return _parsed_keys[self.kid]

    def private_key(self):
        if ("private", self.kid) not in _parsed_keys:
            _parsed_keys[("private", self.kid)] = serialization.load_pem_private_key(
                self.private_pem.encode(), password=None)
        return _parsed_keys[("private", self.kid)]

    def public_jwk(self) -> dict:
        public = self.jwk().export_public(as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def public_key_base64(self) -> str:
        """The public key as Keycloak's realm page shows it: base64 DER, no PEM armour."""
        pem = self.jwk().export_to_pem(private_key=False, password=None).decode()
        return "".join(line for line in pem.splitlines() if "-----" not in line)


class Subject(models.Model):
    """The ``sub`` of a user: a UUID made with the user, kept when the user is renamed.

    As Keycloak's user id: a user deleted and created again with the same name gets a new one.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="idp_subject",
                                on_delete=models.CASCADE)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.uuid)


class RealmScopedManager(models.Manager):
    """Clients of the request's realm only, so a client id is looked up within its realm."""

    def get_queryset(self):
        queryset = super().get_queryset()
        realm = current_realm.get()
        return queryset.filter(realm__name=realm) if realm else queryset


class Application(AbstractApplication):
    client_id = models.CharField(max_length=255, db_index=True)
    realm = models.ForeignKey(Realm, related_name="clients", on_delete=models.CASCADE)
    # Extra audiences for the access token (Keycloak's "audience" mapper).
    audiences = models.TextField(blank=True, default="")
    backchannel_logout_uri = models.TextField(blank=True, default="")
    # Keycloak's client attributes, by Keycloak's names and string values
    # (e.g. "client.use.lightweight.access.token.enabled": "true").
    attributes = models.JSONField(blank=True, default=dict)
    # Keycloak's "Backchannel logout session required": logout tokens name the `sid`.
    backchannel_logout_session_required = models.BooleanField(default=True)

    objects = RealmScopedManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        constraints = [models.UniqueConstraint(fields=["realm", "client_id"],
                                               name="idp_client_unique_in_realm")]

    @property
    def jwk_key(self) -> jwk.JWK:
        return self.realm.signing_key().jwk()

    def redirect_uri_allowed(self, uri: str) -> bool:
        return uri_registered(uri, self.redirect_uris.split())

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri_registered(uri, self.post_logout_redirect_uris.split())

    @property
    def lightweight_access_tokens(self) -> bool:
        """Keycloak 25+'s "Always use lightweight access token" switch of the client."""
        return self.attributes.get(LIGHTWEIGHT) == "true"


def uri_registered(uri: str, registered: list[str]) -> bool:
    """Keycloak's rule: a registered URI matches exactly, or as a prefix when it ends in ``*``."""
    return any(uri == pattern or (pattern.endswith("*") and uri.startswith(pattern[:-1]))
               for pattern in registered)


class RequiredAction(models.Model):
    """A user's pending required action, as Keycloak keeps them (UPDATE_PASSWORD, ...)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="required_actions",
                             on_delete=models.CASCADE)
    name = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"],
                                               name="idp_required_action_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"


def profile_complete(user) -> bool:
    """Keycloak's default user profile (24+) needs an email, a first and a last name."""
    return bool(user.email and user.first_name and user.last_name)


def pending_actions(user) -> list[str]:
    """Return what ``user`` must do before a password grant (Keycloak's Verify Profile is on).

    Keycloak drops VERIFY_PROFILE when the profile is complete, and requires it when not.
    """
    actions = [name for name in user.required_actions.values_list("name", flat=True)
               if name != "VERIFY_PROFILE"]
    return actions if profile_complete(user) else [*actions, "VERIFY_PROFILE"]
