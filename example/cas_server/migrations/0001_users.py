from django.contrib.auth.hashers import make_password
from django.db import migrations


def create_users(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    user = User.objects.create(username="casuser", password=make_password("cas-password"),
                               email="casuser@example.org", first_name="Cas", last_name="User")
    user.groups.add(Group.objects.create(name="analysts"))


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_users, migrations.RunPython.noop)]
