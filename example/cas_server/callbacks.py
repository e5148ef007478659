"""Extra CAS attributes: the user's realm and Group names."""

from django.conf import settings


def realm_and_groups(user, service):
    return {"realm": settings.CAS_USER_REALMS.get(user.get_username(), ""),
            "groups": sorted(user.groups.values_list("name", flat=True))}
