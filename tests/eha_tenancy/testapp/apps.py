from django.apps import AppConfig


class TenancyTestAppConfig(AppConfig):
    name = "tests.eha_tenancy.testapp"
    label = "tenancy_testapp"
    default_auto_field = "django.db.models.BigAutoField"
