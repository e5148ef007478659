# The model now extends eha_tenancy's MtModelAbstract: its realm column is added,
# filled from aether's table and made non-null in this one migration.

from django.db import migrations

from eha_tenancy.migration import realm_column_from_aether


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy_testapp", "0004_legacy"),
    ]

    operations = [
        *realm_column_from_aether("tenancy_testapp.Legacy"),
    ]
