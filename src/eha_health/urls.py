from django.urls import path

from . import views

app_name = "eha_health"

urlpatterns = [
    *(path(route, view, name=route) for route, view in views.VIEWS.items()),
    path("metrics", views.metrics, name="metrics"),
]
