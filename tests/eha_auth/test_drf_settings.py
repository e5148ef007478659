"""The documentation's REST_FRAMEWORK blocks, copied as they stand, load with DRF.

Every block of README.md and of each page under docs/ is read (tests/harness/docs.py).

DRF imports the DEFAULT_AUTHENTICATION_CLASSES while ``rest_framework.views`` itself
loads, so a module holding authentication classes that imports ``rest_framework.views``
breaks every project naming it there. Each check runs in a fresh interpreter, where
nothing has imported DRF yet.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from tests.harness.docs import ROOT, documentation, python_blocks

SETTINGS = """\
SECRET_KEY = "drf-settings-test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                  "django.contrib.sessions", "rest_framework", "eha_auth"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}}
USE_TZ = True

{rest_framework}
"""

PROBE = """\
import json

import django

django.setup()
import rest_framework.views
from rest_framework.settings import api_settings

rest_framework.views.APIView().get_authenticators()
print(json.dumps([f"{cls.__module__}.{cls.__qualname__}"
                  for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]))
"""


def documented_rest_framework_blocks() -> dict[str, str]:
    """Return each documented ``REST_FRAMEWORK = ...`` statement naming authentication
    classes, by page and number."""
    return {f"{page}-{number}": statement
            for page, text in documentation().items()
            for number, statement in enumerate(
                statement for block in python_blocks(text)
                for statement in rest_framework_statements(block)
                if "DEFAULT_AUTHENTICATION_CLASSES" in statement)}


def rest_framework_statements(block: str) -> list[str]:
    """Return the ``REST_FRAMEWORK = ...`` statements of a block, line for line.

    Documented blocks elide with ``...`` where Python would not parse, so each statement is
    read from its first line up to the first line that completes it.
    """
    lines, statements = block.splitlines(), []
    for start, line in enumerate(lines):
        if not line.startswith("REST_FRAMEWORK = "):
            continue
        for end in range(start + 1, len(lines) + 1):
            statement = "\n".join(lines[start:end])
            try:
                ast.parse(statement)
            except SyntaxError:
                continue
            statements.append(statement)
            break
    return statements


def named_classes(statement: str) -> list[str]:
    namespace: dict = {}
    exec(statement, namespace)  # the documentation's own literal
    return list(namespace["REST_FRAMEWORK"]["DEFAULT_AUTHENTICATION_CLASSES"])


BLOCKS = documented_rest_framework_blocks()


def test_the_gateway_and_api_token_pages_name_authentication_classes():
    pages = {name.rsplit("-", 1)[0] for name in BLOCKS}
    assert {"docs/eha_auth/gateway.md", "docs/eha_auth/api-tokens.md"} <= pages


@pytest.mark.parametrize("statement", list(BLOCKS.values()), ids=list(BLOCKS))
def test_documented_authentication_classes_load_with_drf(statement, tmp_path):
    (tmp_path / "documented_settings.py").write_text(SETTINGS.format(rest_framework=statement))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "documented_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "src"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == named_classes(statement)
    assert any(path.startswith("eha_auth.") for path in loaded)
