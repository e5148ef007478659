"""``/token``: include with ``path("", include("eha_auth.apitokens.urls"))``."""

from django.urls import path

from .views import TokenView

app_name = "eha_apitokens"

urlpatterns = [
    path("token", TokenView.as_view(), name="token"),
]
