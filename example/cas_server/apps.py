from django.apps import AppConfig


class CasServerConfig(AppConfig):
    name = "example.cas_server"
    label = "cas_server"
    verbose_name = "Demo CAS server"
