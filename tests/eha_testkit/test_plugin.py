"""The plugin is what pyproject registers, and loads before Django is set up."""

import importlib
import os
import subprocess
import sys
import tomllib

from django.conf import settings as django_settings

from tests.harness.servers import ROOT, _pythonpath

FIXTURES = ("eha_keys_server", "eha_keys", "kit_client", "realm_context",
            "eha_provider_server", "eha_provider")


def test_the_pytest11_entry_point_is_the_plugin_module_under_its_own_name():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # One name for `-p`, `pytest_plugins` and the entry point: never registered twice.
    assert project["entry-points"]["pytest11"] == {"eha_testkit.plugin": "eha_testkit.plugin"}
    plugin = importlib.import_module("eha_testkit.plugin")
    assert all(callable(getattr(plugin, name)) for name in FIXTURES)


def test_the_plugin_imports_before_django_settings_exist():
    """pytest loads entry points before pytest-django configures Django."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", "import eha_testkit.plugin"], cwd=ROOT,
                          env={**env, "PYTHONPATH": _pythonpath()}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_tests_own_settings_on_top_of_the_kits(settings, eha_keys):
    settings.GATEWAY_SERVICE_ID = "svc"  # changed after the kit's, undone before them
    assert eha_keys.realms_url == django_settings.KEYCLOAK_SERVER_URL


def test_the_kits_settings_are_gone_after_the_test():
    assert getattr(django_settings, "KEYCLOAK_SERVER_URL", None) is None
    assert getattr(django_settings, "GATEWAY_SERVICE_ID", None) is None
