"""CAS: include with ``path("accounts/cas/", include("eha_auth.cas.urls"))``."""

from django.urls import path

from . import views

app_name = "eha_cas"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]
