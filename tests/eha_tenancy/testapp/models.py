"""A realm model, a child two foreign keys away, user relations, a link between realm
objects, and a model with no realm."""

from django.conf import settings
from django.db import models

from eha_tenancy.models import MtModelAbstract, MtModelChildAbstract


class Project(MtModelAbstract):
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # A link between two realm objects (not an owner): both must be in one realm.
    template = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta(MtModelAbstract.Meta):
        ordering = ["pk"]


class Survey(MtModelChildAbstract):
    mt_field = "project"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="surveys")
    name = models.CharField(max_length=100)

    class Meta(MtModelChildAbstract.Meta):
        ordering = ["pk"]


class Answer(MtModelChildAbstract):
    mt_field = "survey__project"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    value = models.CharField(max_length=100, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta(MtModelChildAbstract.Meta):
        ordering = ["pk"]


class Plain(models.Model):
    """Not owned by a realm."""

    name = models.CharField(max_length=100)
