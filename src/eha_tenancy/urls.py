"""Include before the admin's URLs: ``path("", include("eha_tenancy.urls"))``."""

from django.urls import path

from . import views

app_name = "eha_tenancy"

urlpatterns = [
    path("admin/~realms", views.realms, name="realms"),
]
