from django.apps import AppConfig


class ApptokenConfig(AppConfig):
    name = "eha_apptoken"
    label = "eha_apptoken"
    verbose_name = "eha App tokens"
