import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import eha_apptoken.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AppToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("app", models.CharField(help_text="A name in the EXTERNAL_APPS setting.",
                                         max_length=100, verbose_name="application")),
                ("token", eha_apptoken.fields.EncryptedTextField(
                    blank=True, editable=False, null=True, serialize=False,
                    verbose_name="token")),
                ("obtained_at", models.DateTimeField(blank=True, editable=False, null=True,
                                                     verbose_name="obtained at")),
                ("validated_at", models.DateTimeField(blank=True, editable=False, null=True,
                                                      verbose_name="last validated at")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="app_tokens",
                                           to=settings.AUTH_USER_MODEL,
                                           verbose_name="user")),
            ],
            options={
                "verbose_name": "application token",
                "verbose_name_plural": "application tokens",
                "constraints": [models.UniqueConstraint(fields=("user", "app"),
                                                        name="eha_apptoken_unique_user_app")],
            },
        ),
    ]
