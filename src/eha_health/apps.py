from django.apps import AppConfig
from django.core import checks


class HealthConfig(AppConfig):
    name = "eha_health"
    label = "eha_health"
    verbose_name = "eha Health"

    def ready(self) -> None:
        from . import checks as system_checks
        from . import metrics

        metrics.connect()

        checks.register(system_checks.check_settings, checks.Tags.compatibility)
        checks.register(system_checks.check_middleware, checks.Tags.compatibility)
        checks.register(system_checks.check_urls, checks.Tags.urls)
