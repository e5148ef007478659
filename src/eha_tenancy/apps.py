from django.apps import AppConfig
from django.core import checks


class TenancyConfig(AppConfig):
    name = "eha_tenancy"
    label = "eha_tenancy"
    verbose_name = "eha Tenancy"

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.backends.signals import connection_created

        from . import checks as system_checks
        from . import db, metrics, signals
        from .conf import forget_cached_settings

        setting_changed.connect(forget_cached_settings, dispatch_uid="eha_tenancy.settings")
        setting_changed.connect(db.setting_changed, dispatch_uid="eha_tenancy.rls")
        connection_created.connect(db.connection_created, dispatch_uid="eha_tenancy.rls")
        signals.connect()
        metrics.connect()
        checks.register(system_checks.check_settings, checks.Tags.compatibility)
        checks.register(system_checks.check_middleware, checks.Tags.compatibility)
        checks.register(system_checks.check_models, checks.Tags.models)
        checks.register(system_checks.check_rls_settings, checks.Tags.compatibility)
        checks.register(system_checks.check_rls_database, checks.Tags.database)
