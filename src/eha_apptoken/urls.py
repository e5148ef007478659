from django.urls import path

from . import views

app_name = "eha_apptoken"

urlpatterns = [
    path("check-user-tokens", views.check_user_tokens, name="check-user-tokens"),
    path("check-tokens", views.check_tokens, name="check-tokens"),
    path("check-app/<str:name>", views.check_app, name="check-app"),
]
