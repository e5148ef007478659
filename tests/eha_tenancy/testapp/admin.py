from django.contrib import admin

from eha_tenancy.admin import MtModelAdminMixin

from .models import Answer, Project


@admin.register(Project)
class ProjectAdmin(MtModelAdminMixin, admin.ModelAdmin):
    list_display = ["name"]


@admin.register(Answer)
class AnswerAdmin(MtModelAdminMixin, admin.ModelAdmin):
    list_display = ["value"]
