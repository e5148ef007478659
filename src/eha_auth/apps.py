from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core import checks
from django.core.signals import setting_changed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete


class AuthConfig(AppConfig):
    name = "eha_auth"
    label = "eha_auth"
    verbose_name = "eha Authentication"

    def ready(self) -> None:
        from . import audit, metrics
        from . import checks as system_checks
        from .accounts.realms import keep_user_realm
        from .apitokens import signals as token_signals
        from .conf import forget_cached_settings
        from .oidc import usercache

        checks.register(system_checks.check_keycloak_settings, checks.Tags.security)
        checks.register(system_checks.check_middleware, checks.Tags.security)
        checks.register(system_checks.check_login_setup, checks.Tags.security)
        checks.register(system_checks.check_proxy_keys, checks.Tags.security)
        checks.register(system_checks.check_proxy_options, checks.Tags.security)
        checks.register(system_checks.check_cas, checks.Tags.security)
        checks.register(system_checks.check_social, checks.Tags.security)
        checks.register(system_checks.check_session_user_cache, checks.Tags.security)
        checks.register(system_checks.check_memo_seconds, checks.Tags.security)

        setting_changed.connect(forget_cached_settings, dispatch_uid="eha_auth.settings")
        token_signals.connect()
        user_logged_in.connect(keep_user_realm, dispatch_uid="eha_auth.keep_user_realm")
        user_logged_in.connect(audit.on_user_logged_in, dispatch_uid="eha_auth.audit.login")
        user_logged_out.connect(audit.on_user_logged_out, dispatch_uid="eha_auth.audit.logout")
        user_login_failed.connect(audit.on_user_login_failed,
                                  dispatch_uid="eha_auth.audit.refused")
        metrics.connect()

        # A cached user is dropped whenever the user, its groups or permissions change.
        post_save.connect(usercache.forget_changed_user, sender=settings.AUTH_USER_MODEL,
                          dispatch_uid="eha_auth.forget_user.save")
        post_delete.connect(usercache.forget_changed_user, sender=settings.AUTH_USER_MODEL,
                            dispatch_uid="eha_auth.forget_user.delete")
        m2m_changed.connect(usercache.forget_members, dispatch_uid="eha_auth.forget_user.m2m")
        post_save.connect(usercache.forget_group_members, sender="auth.Group",
                          dispatch_uid="eha_auth.forget_user.group_save")
        pre_delete.connect(usercache.forget_group_members, sender="auth.Group",
                           dispatch_uid="eha_auth.forget_user.group_delete")
        token = self.get_model("ApiToken")
        post_save.connect(audit.on_token_saved, sender=token, dispatch_uid="eha_auth.audit.token")
        post_delete.connect(audit.on_token_deleted, sender=token,
                            dispatch_uid="eha_auth.audit.token_deleted")
        identity = self.get_model("OidcIdentity")
        post_save.connect(usercache.forget_identity, sender=identity,
                          dispatch_uid="eha_auth.forget_identity.save")
        post_delete.connect(usercache.forget_identity, sender=identity,
                            dispatch_uid="eha_auth.forget_identity.delete")
