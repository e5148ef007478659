"""Template filters: ``{% load eha_auth %}{{ user.get_username|display_username }}``."""

from django import template

from .. import users

register = template.Library()


@register.filter
def display_username(username: str, realm: str | None = None) -> str:
    """Return the username without its realm prefix (only ``realm``'s, when given)."""
    return users.display_username(str(username), realm)
