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

# eha_auth: password login pages, API tokens, CAS, proxy mockup login (DEBUG only).
urlpatterns += [
    path("accounts/", include("eha_auth.accounts.urls")),
    path("accounts/cas/", include("eha_auth.cas.urls")),
    path("proxy/", include("eha_auth.proxy.urls")),
    path("", include("eha_auth.apitokens.urls")),
    path("demo/proxy-accounts/", views.ProxyAccountsView.as_view(), name="proxy-accounts"),
]
