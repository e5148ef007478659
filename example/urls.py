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

# eha_auth: Keycloak login and the gateway path, when a provider is configured.
from django.conf import settings  # noqa: E402

if settings.KEYCLOAK_SERVER_URL:
    from eha_auth.gateway.urls import gateway_urlpatterns
    from eha_auth.keycloak.views import LoginView
    from example.demo import auth_views

    urlpatterns += [path("auth/", auth_views.auth_page, name="demo-auth")]
    urlpatterns += gateway_urlpatterns(
        [path("api/whoami/", auth_views.WhoAmI.as_view(), name="demo-whoami")],
        public=[
            path("accounts/", include("eha_auth.keycloak.urls")),
            path("accounts/password-login/", LoginView.as_view(behind_scenes=True),
                 name="demo-password-login"),
        ],
    )

# eha_auth: social login (a button per provider on /accounts/login/ when the provider runs).
urlpatterns += [path("accounts/social/", include("eha_auth.social.urls"))]
# eha_tenancy: /admin/~realms before the admin's own URLs; the realm-scoped demo API.
urlpatterns.insert(0, path("", include("eha_tenancy.urls")))
urlpatterns += [path("api/", include("example.demo.api"))]
urlpatterns += [path("", include("example.demo.realms"))]

# eha_auth with eha_tenancy: the signed-in user's realm and its notes, where logins land.
from example.demo.auth_views import realm_home  # noqa: E402

urlpatterns += [path("demo/realm/", realm_home, name="demo-realm")]

# The apps' stylesheets (eha_auth/eha.css, eha_apptoken/eha.css), served by Django in DEBUG only.
from django.contrib.staticfiles.urls import staticfiles_urlpatterns  # noqa: E402

urlpatterns += staticfiles_urlpatterns()
