"""A ModelAdmin mixin: staff see their realm; superusers may see and filter every realm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .conf import app_settings
from .names import realm_context

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object


class MtModelAdminMixin(_ModelAdmin):
    """Mix into a ModelAdmin of a realm model (before ``admin.ModelAdmin``).

    Staff see the rows of the request's realm (the default manager limits
    them). Superusers, when REALM_SUPERUSER_ALL_REALMS is on, see every realm,
    with a realm column and filter; their edits stay in the object's realm.
    """

    def sees_all_realms(self, request: Any) -> bool:
        """Return True when this request may list every realm."""
        user = request.user
        return (app_settings.MULTITENANCY and user.is_superuser
                and app_settings.SUPERUSER_ALL_REALMS)

    def get_queryset(self, request: Any):
        if not self.sees_all_realms(request):
            return super().get_queryset(request)
        queryset = self.model.all_realms.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_list_display(self, request: Any):
        display = list(super().get_list_display(request))
        if self.sees_all_realms(request) and self._realm_path() == "realm":
            display.append("realm")
        return display

    def get_list_filter(self, request: Any):
        filters = list(super().get_list_filter(request))
        if self.sees_all_realms(request):
            filters.append(self._realm_path())
        return filters

    def lookup_allowed(self, lookup: str, value: Any, request: Any = None) -> bool:
        # The realm filter is safe for everyone: staff querysets are limited anyway.
        # (Django 4.2 checks the class's list_filter, not get_list_filter().)
        if lookup == self._realm_path():
            return True
        extra = () if request is None else (request,)  # Django 4.2 passes no request
        return super().lookup_allowed(lookup, value, *extra)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if change and self.sees_all_realms(request):
            with realm_context(obj.get_realm()):
                return super().save_model(request, obj, form, change)
        return super().save_model(request, obj, form, change)

    def delete_model(self, request: Any, obj: Any) -> None:
        if self.sees_all_realms(request):
            with realm_context(obj.get_realm()):
                return super().delete_model(request, obj)
        return super().delete_model(request, obj)

    def _realm_path(self) -> str:
        return self.model.realm_lookup()
