"""URLs of social login: ``path("accounts/social/", include("eha_auth.social.urls"))``.

The namespace is social-auth's (``social``), so its redirect URIs resolve to these views.
"""

from django.urls import path
from social_django import views as social_views

from . import views

app_name = "social"

urlpatterns = [
    path("login/<str:backend>/", views.auth, name="begin"),
    path("complete/<str:backend>/", views.complete, name="complete"),
    path("disconnect/<str:backend>/", social_views.disconnect, name="disconnect"),
    path("disconnect/<str:backend>/<int:association_id>/", social_views.disconnect,
         name="disconnect_individual"),
]
