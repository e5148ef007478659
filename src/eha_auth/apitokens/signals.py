"""Keep shared token lookups right: drop them when a token, its user or their groups change.

Each receiver drops the entries at once and again when the change commits (a worker may
load the old rows in between), as the user cache does.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from ..models import ApiToken
from .lookup import forget, forget_user


def token_changed(sender, instance: ApiToken, using=None, **kwargs) -> None:
    forget(instance.digest, using=using)


def user_changed(sender, instance, using=None, **kwargs) -> None:
    forget_user(instance, using)


def groups_changed(sender, instance, action: str, reverse: bool, pk_set=None, using=None,
                   **kwargs) -> None:
    if not action.startswith("post_"):
        return
    User = get_user_model()
    if not reverse:
        forget_user(instance, using)
    else:
        for user in User._default_manager.using(using).filter(pk__in=pk_set or ()):
            forget_user(user, using)


def group_changed(sender, instance, using=None, **kwargs) -> None:
    """Group post_save/pre_delete: a renamed or deleted realm changes its members' tokens."""
    if instance.pk is not None:
        for user in get_user_model()._default_manager.using(using).filter(
                groups__pk=instance.pk):
            forget_user(user, using)


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
        post_save.connect(group_changed, sender=Group, dispatch_uid="eha_auth.token_group_saved")
        pre_delete.connect(group_changed, sender=Group,
                           dispatch_uid="eha_auth.token_group_deleted")
