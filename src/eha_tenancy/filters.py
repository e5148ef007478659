"""Query filters: limiting querysets of realm models to a realm."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Expression
from django.db.models.sql.where import AND

from .conf import app_settings
from .exceptions import RealmRequired
from .requests import realm_of
from .state import get_active_realm

_QuerySet = TypeVar("_QuerySet", bound=models.QuerySet)


def limit_to_realm(queryset: _QuerySet, lookup: str, realm: str | Expression) -> _QuerySet:
    """Return ``queryset`` filtered on ``lookup`` (a path ending in a realm column) = realm.

    ``realm`` is a realm name, or ACTIVE_REALM for the realm active when the query runs.
    """
    model = queryset.model
    if lookup != "realm" or model._meta.get_field("realm").model._meta.db_table \
            != model._meta.db_table:
        return queryset.filter(**{lookup: realm})  # a path, or a parent's table
    # The row's own column: add "realm = %s" directly, as filter(realm=...) does once
    # it has resolved the name; every query of a realm model passes here.
    queryset = queryset.all()  # a copy, as filter() makes
    query, field = queryset.query, model._meta.get_field("realm")
    column = field.get_col(query.get_initial_alias())
    query.where.add(field.get_lookup("exact")(column, realm), AND)
    return queryset


def realm_lookup(model: Any, mt_field: str | None = None) -> str:
    """Return the lookup path from ``model`` to its realm column."""
    if mt_field:
        return f"{mt_field}__realm"
    path = getattr(model, "mt_field", None)
    if path:
        return f"{path}__realm"
    if path is None and callable(getattr(model, "realm_lookup", None)):
        return model.realm_lookup()  # MtModelAbstract: its own column
    raise ImproperlyConfigured(
        f"{model.__name__} has no realm: extend MtModelAbstract or MtModelChildAbstract "
        "(with mt_field), or give mt_field.")


def filter_by_realm(request_or_realm: Any, data: Any, mt_field: str | None = None) -> Any:
    """Return ``data`` (queryset or manager) limited to the realm; unchanged with tenancy off."""
    if not app_settings.MULTITENANCY:
        return data
    realm = realm_of(request_or_realm) if request_or_realm is not None else get_active_realm()
    if realm is None:
        raise RealmRequired
    return limit_to_realm(data.all(), realm_lookup(data.model, mt_field), realm)


def is_accessible_by_realm(request_or_realm: Any, obj: Any) -> bool:
    """Return True when ``obj`` belongs to the realm (always with tenancy off)."""
    if not app_settings.MULTITENANCY:
        return True
    is_accessible = getattr(obj, "is_accessible", None)
    if is_accessible is None:
        return True
    return bool(is_accessible(realm_of(request_or_realm)))
