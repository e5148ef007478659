from django.contrib import admin
from django.urls import include, path

from eha_auth.gateway.urls import gateway_urlpatterns
from tests.eha_auth.views import Items, change, whoami

urlpatterns = gateway_urlpatterns(
    [path("whoami/", whoami, name="whoami"), path("change/", change),
     path("api/items/", Items.as_view(), name="items")],
    public=[path("accounts/", include("eha_auth.keycloak.urls")), path("admin/", admin.site.urls)],
)
