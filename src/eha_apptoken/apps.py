from django.apps import AppConfig
from django.core import checks


class ApptokenConfig(AppConfig):
    name = "eha_apptoken"
    label = "eha_apptoken"
    verbose_name = "eha App tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete

        from . import checks as system_checks
        from .conf import forget_cached_settings
        from .signals import forget_deleted_token

        setting_changed.connect(forget_cached_settings, dispatch_uid="eha_apptoken.settings")

        post_delete.connect(forget_deleted_token, sender=self.get_model("AppToken"),
                            dispatch_uid="eha_apptoken.forget_deleted_token")

        checks.register(system_checks.check_external_apps, checks.Tags.compatibility)
        checks.register(system_checks.check_settings, checks.Tags.compatibility)
