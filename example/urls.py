from django.contrib import admin
from django.urls import include, path

from eha_apptoken.views import TokenProxyView
from example.demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("eha_health.urls")),
    path("admin/", admin.site.urls),
]

# eha_apptoken: its pages, and the proxy to the demo's external service.
urlpatterns += [
    path("", include("eha_apptoken.urls")),
    path("ext/<path:path>", TokenProxyView.as_view(app_name="demo-ext"), name="demo-ext"),
]
