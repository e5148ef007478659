from django.db import migrations

from eha_tenancy.operations import EnableRealmRLS


class Migration(migrations.Migration):

    dependencies = [
        ("tenancy_testapp", "0002_project_template"),
    ]

    operations = [
        EnableRealmRLS("Project"),
        EnableRealmRLS("Survey", mt_field="project"),
        EnableRealmRLS("Answer", mt_field="survey__project"),
    ]
