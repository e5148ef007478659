from django.db import transaction
from django.urls import include, path
from oauth2_provider.views import TokenView, UserInfoView

from . import views

OIDC = "realms/<str:realm>/protocol/openid-connect/"

realm_patterns = [
    path(".well-known/openid-configuration", views.discovery),
    path("login", views.RealmLoginView.as_view()),
]
oidc_patterns = [
    path("auth", views.RealmAuthorizationView.as_view()),
    # One transaction (taking SQLite's write lock first): a refresh token is checked and
    # spent at once, so of two requests spending the same one the second is a reuse.
    path("token", transaction.atomic(TokenView.as_view())),
    path("token/introspect", views.introspect),
    path("userinfo", UserInfoView.as_view()),
    path("certs", views.certs),
    path("logout", views.logout),
]
admin_patterns = [
    path("stats", views.stats),
    path("delay", views.set_delay),
    path("realms/<str:realm>/keys", views.keys),
    path("realms/<str:realm>/keys/add", views.add_key),
    path("realms/<str:realm>/keys/<str:kid>/retire", views.retire_key),
    path("realms/<str:realm>/sign", views.sign_claims),
    path("realms/<str:realm>/clients/<str:client_id>", views.configure_client),
    path("realms/<str:realm>/keys/<str:kid>/passive", views.passive_key),
    path("realms/<str:realm>/users", views.create_user),
    path("realms/<str:realm>/users/<str:username>", views.change_user),
    path("realms/<str:realm>/users/<str:username>/sessions", views.user_sessions),
    path("realms/<str:realm>/sessions/<str:sid>", views.delete_session),
]
urlpatterns = [
    path("realms/<str:realm>", views.realm_info),
    path("realms/<str:realm>/", include(realm_patterns)),
    path(OIDC, include(oidc_patterns)),
    path("_admin/", include(admin_patterns)),
]
