"""Receivers that forget cached memberships whenever groups or memberships change."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from .realms import forget_memberships


def connect() -> None:
    """Connect the receivers (called from AppConfig.ready)."""
    through = get_user_model().groups.through
    m2m_changed.connect(forget_memberships, sender=through, dispatch_uid="eha_tenancy_m2m")
    post_save.connect(forget_memberships, sender=Group, dispatch_uid="eha_tenancy_group_save")
    post_delete.connect(forget_memberships, sender=Group,
                        dispatch_uid="eha_tenancy_group_delete")
