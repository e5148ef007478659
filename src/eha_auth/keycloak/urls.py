"""Keycloak login pages: include with ``path("accounts/", include("eha_auth.keycloak.urls"))``."""

from django.urls import path

from . import views

app_name = "eha_auth"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logged-out/", views.logged_out, name="logged-out"),
    path("backchannel-logout/", views.backchannel_logout, name="backchannel-logout"),
]
