# The model as it was under aether.sdk: no realm column (aether kept realms in its own
# multitenancy_mtinstance table).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy_testapp", "0003_tags_milestones"),
    ]

    operations = [
        migrations.CreateModel(
            name="Legacy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
            ],
            options={
                "ordering": ["pk"],
            },
        ),
    ]
