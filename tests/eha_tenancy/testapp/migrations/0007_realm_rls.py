from django.db import migrations

from eha_tenancy.operations import EnableRealmRLS


class Migration(migrations.Migration):

    dependencies = [
        ("tenancy_testapp", "0006_legacy_managers_index"),
    ]

    operations = [
        EnableRealmRLS("Project"),
        EnableRealmRLS("Survey", mt_field="project"),
        EnableRealmRLS("Answer", mt_field="survey__project"),
        EnableRealmRLS("Tag"),
        EnableRealmRLS("Milestone", mt_field="project"),
        EnableRealmRLS("Legacy"),
    ]
