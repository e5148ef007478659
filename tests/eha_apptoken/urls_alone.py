from django.contrib.auth.middleware import RemoteUserMiddleware
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from eha_apptoken.views import TokenProxyView


class TestUserHeader(RemoteUserMiddleware):
    """Sign the caller in as the user named by X-Test-User (test projects only)."""

    header = "HTTP_X_TEST_USER"


urlpatterns = [
    path("ext/<path:path>", csrf_exempt(TokenProxyView.as_view(app_name="ext"))),
]
