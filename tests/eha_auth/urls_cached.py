from django.http import HttpResponse
from django.urls import path


def whoami(request):
    user = request.user
    marker = getattr(user, "marker", "")
    user.marker = "set-by-an-earlier-request"
    return HttpResponse(f"{user.get_username()}|{getattr(user, 'first_name', '')}|{marker}")


urlpatterns = [path("whoami", whoami)]
