import os

from django.urls import include, path

from eha_auth.apitokens.views import TokenView


def worker_pid(get_response):
    """Name the process that answered, so tests see requests spread over workers."""
    def middleware(request):
        response = get_response(request)
        response["X-Worker-Pid"] = str(os.getpid())
        return response
    return middleware


urlpatterns = [
    path("", include("eha_health.urls")),
    path("<str:realm>/token", TokenView.as_view()),
]
