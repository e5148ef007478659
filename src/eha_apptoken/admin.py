from django.contrib import admin

from .models import AppToken


@admin.register(AppToken)
class AppTokenAdmin(admin.ModelAdmin):
    """List and revoke tokens; the token itself is never shown or editable."""

    list_display = ("user", "app", "obtained_at", "validated_at")
    list_filter = ("app",)
    search_fields = ("user__username", "app")
    fields = ("user", "app", "obtained_at", "validated_at")
    readonly_fields = fields
    list_select_related = ("user",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
