from django.apps import AppConfig
from django.core import checks


class ApptokenConfig(AppConfig):
    name = "eha_apptoken"
    label = "eha_apptoken"
    verbose_name = "eha App tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks as system_checks

        checks.register(system_checks.check_external_apps, checks.Tags.compatibility)
        checks.register(system_checks.check_settings, checks.Tags.compatibility)
