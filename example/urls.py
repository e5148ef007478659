from django.contrib import admin
from django.urls import include, path

from example.demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("eha_health.urls")),
    path("admin/", admin.site.urls),
]

# eha_auth: Keycloak login and the gateway path, when a provider is configured.
from django.conf import settings  # noqa: E402

if settings.KEYCLOAK_SERVER_URL:
    from eha_auth.urls import gateway_urlpatterns
    from eha_auth.views import LoginView
    from example.demo import auth_views

    urlpatterns += [path("auth/", auth_views.auth_page, name="demo-auth")]
    urlpatterns += gateway_urlpatterns(
        [path("api/whoami/", auth_views.WhoAmI.as_view(), name="demo-whoami")],
        public=[
            path("accounts/", include("eha_auth.urls")),
            path("accounts/password-login/", LoginView.as_view(behind_scenes=True),
                 name="demo-password-login"),
        ],
    )
