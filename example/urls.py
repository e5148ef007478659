from django.contrib import admin
from django.urls import include, path

from example.demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("eha_health.urls")),
    path("admin/", admin.site.urls),
]

# eha_tenancy: /admin/~realms before the admin's own URLs; the realm-scoped demo API.
urlpatterns.insert(0, path("", include("eha_tenancy.urls")))
urlpatterns += [path("api/", include("example.demo.api"))]
urlpatterns += [path("", include("example.demo.realms"))]
