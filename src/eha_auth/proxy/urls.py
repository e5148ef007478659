from django.urls import path

from . import views

app_name = "eha_proxy"

urlpatterns = [
    path("mockup/login/", views.MockupLoginView.as_view(), name="mockup-login"),
    path("mockup/logout/", views.MockupLogoutView.as_view(), name="mockup-logout"),
    path("sso/login/", views.SSOLoginView.as_view(), name="sso-login"),
]
