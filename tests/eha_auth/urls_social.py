"""The eha_auth test URLs plus social login at accounts/social/."""

from django.urls import include, path

from tests.eha_auth.urls_more import urlpatterns as more

urlpatterns = [path("accounts/social/", include("eha_auth.social.urls")), *more]
