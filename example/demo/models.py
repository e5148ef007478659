from django.conf import settings
from django.db import models

from eha_tenancy.models import MtModelAbstract


class Note(MtModelAbstract):
    """A realm's note: each realm sees its own notes only."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    class Meta(MtModelAbstract.Meta):
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
