"""Receivers: forget cached memberships when groups or memberships change; refuse
many-to-many changes of realm models that reach into another realm."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from .membership import forget_memberships
from .models import check_m2m_realms


def connect() -> None:
    """Connect the receivers (called from AppConfig.ready)."""
    for through in realm_m2m_throughs():
        m2m_changed.connect(check_m2m_realms, sender=through,
                            dispatch_uid=f"eha_tenancy_m2m_realms:{through._meta.label}")
    through = get_user_model().groups.through
    m2m_changed.connect(forget_memberships, sender=through, dispatch_uid="eha_tenancy_m2m")
    post_save.connect(forget_memberships, sender=Group, dispatch_uid="eha_tenancy_group_save")
    post_delete.connect(forget_memberships, sender=Group,
                        dispatch_uid="eha_tenancy_group_delete")


def realm_m2m_throughs() -> set:
    """Return the through models of the many-to-many fields with a realm model at an end."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            ends = (model, field.related_model)
            through = field.remote_field.through
            if any(hasattr(end, "realm_lookup") for end in ends) \
                    and not isinstance(through, str):  # a model that is not installed
                found.add(through)
    return found
