import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("eha_auth", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OidcIdentity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("realm", models.CharField(max_length=64)),
                ("sub", models.CharField(max_length=255, verbose_name="subject")),
                ("created", models.DateTimeField(default=django.utils.timezone.now,
                                                 editable=False)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="eha_oidc_identities",
                                           to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "OpenID Connect identity",
                "verbose_name_plural": "OpenID Connect identities",
                "constraints": [
                    models.UniqueConstraint(fields=("realm", "sub"), name="eha_auth_identity_sub"),
                    models.UniqueConstraint(fields=("realm", "user"),
                                            name="eha_auth_identity_user"),
                ],
            },
        ),
    ]
