from django.urls import include, path

from eha_auth.apitokens.views import TokenView

urlpatterns = [
    path("", include("eha_health.urls")),
    path("<str:realm>/token", TokenView.as_view()),
]
