from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse()


urlpatterns = [
    path("bare", bare),
    path("", include("example.urls")),
]
