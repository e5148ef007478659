from django.apps import AppConfig


class AuthConfig(AppConfig):
    name = "eha_auth"
    label = "eha_auth"
    verbose_name = "eha Authentication"

    def ready(self) -> None:
        from django.core import checks

        from . import checks as system_checks
        from .apitokens import signals as token_signals

        token_signals.connect()
        checks.register(system_checks.check_proxy_keys, checks.Tags.security)
        checks.register(system_checks.check_proxy_options, checks.Tags.security)
        checks.register(system_checks.check_cas, checks.Tags.security)
