"""Keep cached token lookups right: drop them when a token, its user or their groups change."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from ..models import ApiToken
from .lookup import forget, forget_user


def token_changed(sender, instance: ApiToken, **kwargs) -> None:
    forget(instance.digest)


def user_changed(sender, instance, **kwargs) -> None:
    forget_user(instance)


def groups_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    User = get_user_model()
    if not reverse:
        forget_user(instance)
    else:
        for user in User._default_manager.filter(pk__in=pk_set or ()):
            forget_user(user)


def connect() -> None:
    """Connect the receivers (called from AppConfig.ready)."""
    User = get_user_model()
    post_save.connect(token_changed, sender=ApiToken, dispatch_uid="eha_auth.token_saved")
    post_delete.connect(token_changed, sender=ApiToken, dispatch_uid="eha_auth.token_deleted")
    post_save.connect(user_changed, sender=User, dispatch_uid="eha_auth.token_user_saved")
    groups = getattr(User, "groups", None)
    if groups is not None:
        m2m_changed.connect(groups_changed, sender=groups.through,
                            dispatch_uid="eha_auth.token_user_groups")
