from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "eha_tenancy"
    label = "eha_tenancy"
    verbose_name = "eha Tenancy"
