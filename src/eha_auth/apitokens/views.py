"""``/token``: the API token of the signed-in user (or, for staff, of a user of their realm)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..accounts.realms import is_member
from ..conf import app_settings
from ..models import ApiToken
from ..oidc.users import get_user_mapper
from ..users import display_username, realm_username
from .drf import RealmBasicAuthentication, RealmTokenAuthentication, _realm_of


class TokenView(APIView):
    """GET: whether the user has a token. POST: a new token (the key is shown only here).

    Staff may name another user of their realm (``username``); POST creates that
    user when missing, through KEYCLOAK_USER_MAPPER (an unusable password, in the realm).
    """

    authentication_classes = [RealmBasicAuthentication, RealmTokenAuthentication,
                              SessionAuthentication]
    permission_classes = [IsAuthenticated]
    token_name = "api"

    def get(self, request, **kwargs):
        user = self.get_target_user(request, request.query_params.get("username"), create=False)
        exists = ApiToken.objects.active().filter(user=user, name=self.token_name).exists()
        return Response({"username": display_username(user.get_username()),
                         "token_exists": exists})

    def post(self, request, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        with transaction.atomic():
            user = self.get_target_user(request, username, create=True)
            ApiToken.objects.filter(user=user, name=self.token_name).delete()
            token, key = ApiToken.create_for(user, name=self.token_name,
                                             expires=self.get_expiry())
        return Response({"username": display_username(user.get_username()), "token": key,
                         "expires": token.expires}, status=status.HTTP_201_CREATED)

    def get_expiry(self):
        """Return when new tokens expire (API_TOKEN_DEFAULT_DAYS), or None."""
        days = app_settings.API_TOKEN_DEFAULT_DAYS
        return timezone.now() + timedelta(days=days) if days else None

    def get_target_user(self, request, username, *, create: bool):
        """Return the caller, or the user a staff member names in their realm."""
        realm = _realm_of(request)
        if not is_member(request.user, realm):
            raise exceptions.PermissionDenied(f"You are not a member of realm {realm!r}.")
        if not username or realm_username(realm, str(username)) == request.user.get_username():
            return request.user
        if not request.user.is_staff:
            raise exceptions.PermissionDenied("Only staff may ask for another user's token.")
        return self.find_or_create_user(realm_username(realm, str(username)), realm, create)

    def find_or_create_user(self, username: str, realm: str | None, create: bool):
        """Return the named user of ``realm``, created when ``create`` and missing."""
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is not None:
            if not is_member(user, realm):
                raise exceptions.PermissionDenied(f"That user is not a member of realm {realm!r}.")
            return user
        if not create:
            raise exceptions.NotFound("No such user.")
        field = User._meta.get_field(User.USERNAME_FIELD)
        assert isinstance(field, Field)  # USERNAME_FIELD names a column, not a relation
        try:
            field.run_validators(username)
        except ValidationError as exc:
            raise exceptions.ValidationError({"username": "Not a valid username."}) from exc
        user, _ = get_user_mapper().get_or_create_local_user(
            realm, {"preferred_username": username})
        if user is None:
            raise exceptions.ValidationError({"username": "Not a valid username."})
        return user
