"""dumpdata, with --all run across every realm (many-to-many relations included)."""

from django.core.management.commands import dumpdata

from ...state import unscoped


class Command(dumpdata.Command):
    """Django's dumpdata; with ``--all``, inside unscoped().

    ``--all`` reads rows through the base manager, every realm; the serializer
    still reads many-to-many relations through the related managers, which
    need a realm: unscoped() gives them every realm too. Without ``--all`` a
    realm model raises RealmRequired, as before.
    """

    def handle(self, *app_labels, **options):
        if options.get("use_base_manager"):
            with unscoped():
                return super().handle(*app_labels, **options)
        return super().handle(*app_labels, **options)
