from django.contrib import admin
from django.urls import include, path

from example.demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("eha_health.urls")),
    path("admin/", admin.site.urls),
]
