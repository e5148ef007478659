from django.contrib import admin
from django.urls import include, path

from example.demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("eha_health.urls")),
    path("admin/", admin.site.urls),
]

# eha_auth: password login pages, API tokens, CAS, proxy mockup login (DEBUG only).
urlpatterns += [
    path("accounts/", include("eha_auth.accounts.urls")),
    path("accounts/cas/", include("eha_auth.cas.urls")),
    path("proxy/", include("eha_auth.proxy.urls")),
    path("", include("eha_auth.apitokens.urls")),
    path("demo/proxy-accounts/", views.ProxyAccountsView.as_view(), name="proxy-accounts"),
]
