"""The README's REST_FRAMEWORK blocks, copied as they stand, load with DRF.

DRF imports the DEFAULT_AUTHENTICATION_CLASSES while ``rest_framework.views`` itself
loads, so a module holding authentication classes that imports ``rest_framework.views``
breaks every project naming it there. Each check runs in a fresh interpreter, where
nothing has imported DRF yet.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCED_PYTHON = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

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


def readme_rest_framework_blocks() -> list[str]:
    """Return each README ``REST_FRAMEWORK = ...`` statement naming authentication classes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [statement for block in FENCED_PYTHON.findall(readme)
            for statement in rest_framework_statements(block)
            if "DEFAULT_AUTHENTICATION_CLASSES" in statement]


def rest_framework_statements(block: str) -> list[str]:
    """Return the ``REST_FRAMEWORK = ...`` statements of a block, line for line.

    README blocks elide with ``...`` where Python would not parse, so each statement is
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
    exec(statement, namespace)  # the README's own literal
    return list(namespace["REST_FRAMEWORK"]["DEFAULT_AUTHENTICATION_CLASSES"])


def test_the_readme_names_authentication_classes_twice():
    assert len(readme_rest_framework_blocks()) == 2


@pytest.mark.parametrize("statement", readme_rest_framework_blocks())
def test_readme_authentication_classes_load_with_drf(statement, tmp_path):
    (tmp_path / "readme_settings.py").write_text(SETTINGS.format(rest_framework=statement))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "readme_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "src"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == named_classes(statement)
    assert any(path.startswith("eha_auth.") for path in loaded)
