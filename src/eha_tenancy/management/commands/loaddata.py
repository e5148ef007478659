"""loaddata, run across every realm: fixtures carry their realms."""

from django.core.management.commands import loaddata

from ...state import unscoped


class Command(loaddata.Command):
    """Django's loaddata, inside unscoped().

    Rows are written as the fixture gives them (raw saves are not checked); the
    many-to-many relations of realm models are set through related managers,
    which need a realm: unscoped() gives them every realm.
    """

    def handle(self, *fixture_labels, **options):
        with unscoped():
            return super().handle(*fixture_labels, **options)
