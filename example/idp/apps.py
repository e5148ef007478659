from django.apps import AppConfig


class IdpConfig(AppConfig):
    name = "example.idp"
    label = "idp"
    verbose_name = "Keycloak-shaped test provider"
