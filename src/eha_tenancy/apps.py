from django.apps import AppConfig
from django.core import checks


class TenancyConfig(AppConfig):
    name = "eha_tenancy"
    label = "eha_tenancy"
    verbose_name = "eha Tenancy"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from . import checks as system_checks
        from . import signals
        from .conf import forget_cached_settings

        setting_changed.connect(forget_cached_settings, dispatch_uid="eha_tenancy.settings")
        signals.connect()
        checks.register(system_checks.check_settings, checks.Tags.compatibility)
        checks.register(system_checks.check_middleware, checks.Tags.compatibility)
        checks.register(system_checks.check_models, checks.Tags.models)
