from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from eha_apptoken.decorators import app_token_required
from eha_apptoken.views import TokenProxyView


@app_token_required
def needs_tokens(request):
    return HttpResponse("tokens ok")


ext = TokenProxyView.as_view(app_name="ext")

urlpatterns = [
    path("", include("eha_health.urls")),
    path("", include("eha_apptoken.urls")),
    path("ext/", ext),
    path("ext/<path:path>", ext),
    path("missing/<path:path>", TokenProxyView.as_view(app_name="missing")),
    path("<str:realm>/svc/ext/<path:path>", ext),
    path("needs-tokens", needs_tokens),
    path("admin/", admin.site.urls),
]
