"""A realm model, a child two foreign keys away, user relations, a link between realm
objects, a many-to-many between realm models, unique constraints holding the realm (or
the owner) for upserts, a model that came from aether.sdk, and a model with no realm."""

from django.conf import settings
from django.db import models

from eha_tenancy.models import MtModelAbstract, MtModelChildAbstract


class Tag(MtModelAbstract):
    name = models.CharField(max_length=100)

    class Meta(MtModelAbstract.Meta):
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["realm", "name"],
                                               name="tenancy_testapp_tag_name_per_realm")]


class Project(MtModelAbstract):
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # A link between two realm objects (not an owner): both must be in one realm.
    template = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="projects")

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


class Milestone(MtModelChildAbstract):
    """A child whose unique constraint holds its owner: upserts on it stay in a realm."""

    mt_field = "project"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=100, blank=True)

    class Meta(MtModelChildAbstract.Meta):
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["project", "code"],
                                               name="tenancy_testapp_milestone_code")]


class Legacy(MtModelAbstract):
    """A model that came from aether.sdk: migration 0005 adds its realm column, filled
    from aether's multitenancy_mtinstance table (eha_tenancy.migration)."""

    name = models.CharField(max_length=100)

    class Meta(MtModelAbstract.Meta):
        ordering = ["pk"]


class Plain(models.Model):
    """Not owned by a realm."""

    name = models.CharField(max_length=100)
