from django.contrib import admin

from eha_tenancy.admin import MtModelAdminMixin

from .models import Note


@admin.register(Note)
class NoteAdmin(MtModelAdminMixin, admin.ModelAdmin):
    list_display = ["title", "author"]
