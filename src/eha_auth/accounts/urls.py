"""Password login pages: include with ``path("accounts/", include("eha_auth.accounts.urls"))``."""

from django.urls import path

from . import views

app_name = "eha_accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logged-out/", views.LoggedOutView.as_view(), name="logged-out"),
    path("tokens/", views.TokensView.as_view(), name="tokens"),
]
