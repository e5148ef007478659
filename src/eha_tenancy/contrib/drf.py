"""Django REST framework support: permissions, viewset mixins, serializers, fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connections
from django.http import Http404
from django.shortcuts import get_object_or_404 as _get_object_or_404
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ..conf import app_settings
from ..filters import filter_by_realm, is_accessible_by_realm, realm_lookup
from ..membership import check_user_in_realm, filter_users_by_realm, request_realm_exists
from ..requests import get_current_realm
from ..state import unscoped

if TYPE_CHECKING:
    from rest_framework.viewsets import GenericViewSet

    _GenericViewSet = GenericViewSet[Any]
else:
    _GenericViewSet = object


class IsAccessibleByRealm(permissions.BasePermission):
    """Allow members of the request's realm, and only objects of that realm.

    Anonymous users are refused, unless the view class has ``realm_public = True``
    and the realm exists (they are refused the same way whether it exists or not).
    """

    message = _("You are not a member of this realm.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not app_settings.MULTITENANCY:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            if not getattr(view, "realm_public", False):
                return False
            realm = get_current_realm(request)
            django_request = getattr(request, "_request", request)
            return realm is not None and request_realm_exists(django_request, realm)
        return check_user_in_realm(request, user)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return is_accessible_by_realm(request, obj)


def _scopable(model: Any, mt_field: str | None) -> bool:
    try:
        realm_lookup(model, mt_field)
    except ImproperlyConfigured:
        return False
    return True


class MtViewSetMixin(_GenericViewSet):
    """Limit a viewset to the request's realm; refuse at import what it could not limit.

    ``get_queryset()`` filters on the realm (through ``mt_field`` for models
    that reach their owner through a path), whatever manager built the
    class-level ``queryset``: write ``queryset = Model.all_realms.all()``.
    Members only (IsAccessibleByRealm comes first in the permissions).
    """

    mt_field: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        queryset = cls.__dict__.get("queryset")
        if queryset is not None and not _scopable(queryset.model, cls.mt_field):
            raise ImproperlyConfigured(
                f"{cls.__name__}.queryset lists {queryset.model.__name__}, which has no "
                "realm: the view could not limit it. Use a realm model or set mt_field.")

    def get_permissions(self) -> list:
        return [IsAccessibleByRealm(), *super().get_permissions()]

    def get_queryset(self):
        return filter_by_realm(self.request, super().get_queryset(), self.mt_field)

    def get_object_or_404(self, pk: Any):
        """Return the object of this realm with ``pk``, else raise 404 (also for a bad pk)."""
        queryset = self.get_queryset()
        try:
            return _get_object_or_404(queryset, pk=valid_pk(queryset, pk))
        except (TypeError, ValueError, ValidationError) as exc:
            raise Http404 from exc

    def get_object_or_403(self, pk: Any):
        """Return the object with ``pk``: None if missing, 403 if of another realm.

        Kept for aether.sdk parity. It tells a caller that an object exists in
        another realm; prefer get_object_or_404 in anything clients reach.
        """
        try:
            with unscoped():
                queryset = self.get_queryset().model.all_realms
                obj = queryset.filter(pk=valid_pk(queryset, pk)).first()
        except (TypeError, ValueError, ValidationError):
            return None  # not a valid pk: no such object
        if obj is None:
            return None
        if not is_accessible_by_realm(self.request, obj):
            raise PermissionDenied(_("Not accessible by this realm."))
        return obj

    @action(detail=True, methods=["head"], url_path="is-accessible")
    def is_accessible(self, request: Any, pk: Any = None, *args: Any, **kwargs: Any):
        """Answer 204 for an object of this realm, 404 otherwise (others' objects too)."""
        self.get_object_or_404(pk)
        return Response(status=204)


class MtUserViewSetMixin(_GenericViewSet):
    """Limit a users viewset to the members of the request's realm."""

    def get_permissions(self) -> list:
        return [IsAccessibleByRealm(), *super().get_permissions()]

    def get_queryset(self):
        return filter_users_by_realm(self.request, super().get_queryset())


class MtPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object chosen by pk, among the request realm's objects only."""

    mt_field: str | None = None

    def __init__(self, **kwargs: Any) -> None:
        self.mt_field = kwargs.pop("mt_field", self.mt_field)
        super().__init__(**kwargs)

    def get_queryset(self):
        return filter_by_realm(self.context.get("request"), super().get_queryset(),
                               self.mt_field)


class MtUserRelatedField(serializers.PrimaryKeyRelatedField):
    """A user chosen by pk, among the members of the request's realm only."""

    def get_queryset(self):
        return filter_users_by_realm(self.context.get("request"), super().get_queryset())


class MtModelSerializer(serializers.ModelSerializer):
    """Relations that accept the request realm's objects only; the realm is read-only.

    New objects land in the request's realm: ``save()`` stamps the active realm.
    Foreign keys to realm models become MtPrimaryKeyRelatedField, foreign keys
    to users MtUserRelatedField.
    """

    def build_relational_field(self, field_name: str, relation_info: Any):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_class is not self.serializer_related_field:
            return field_class, kwargs
        model = relation_info.related_model
        if model is get_user_model():
            return MtUserRelatedField, kwargs
        if _scopable(model, None):
            kwargs["queryset"] = model.all_realms.all()
            return MtPrimaryKeyRelatedField, kwargs
        return field_class, kwargs


def valid_pk(queryset: Any, pk: Any) -> Any:
    """Return ``pk`` as the primary key's value; raise ValueError when no row can have it.

    An integer out of the column's range (64 bits at most) is refused here: Django 4.2
    would send it to the database, where SQLite overflows and PostgreSQL aborts the
    transaction.
    """
    field = queryset.model._meta.pk
    value = field.to_python(pk)
    if isinstance(value, int):
        low, high = connections[queryset.db].ops.integer_field_range(field.get_internal_type())
        if not max(low or -2**63, -2**63) <= value <= min(high or 2**63 - 1, 2**63 - 1):
            raise ValueError("primary key out of range")
    return value
