from django.apps import AppConfig


class AuthConfig(AppConfig):
    name = "eha_auth"
    label = "eha_auth"
    verbose_name = "eha Authentication"
