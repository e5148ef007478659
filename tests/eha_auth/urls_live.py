"""The test URLconf, and a view that makes a session's access token due for refresh."""

from django.urls import path

from tests.eha_auth.urls import urlpatterns as test_urlpatterns
from tests.eha_auth.views import expire_tokens

urlpatterns = [path("expire-tokens/", expire_tokens), *test_urlpatterns]
