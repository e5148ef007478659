"""What the README shows exists: every dotted path it names imports, every Python block parses.

Settings blocks use ``...`` for "your other entries", which is valid Python (Ellipsis), so
each block is compiled as written; the REST_FRAMEWORK blocks and the Keycloak clients are
also loaded exactly as written elsewhere (test_drf_settings.py, tests/harness/keycloak.py).
"""

from __future__ import annotations

import importlib
import re
import textwrap

import pytest
from django.utils.module_loading import import_string

from tests.harness.servers import ROOT

README = (ROOT / "README.md").read_text()
# "eha_auth.gateway.backends.GatewayBackend" or `eha_tenancy.names`; not check ids (E001).
DOTTED = sorted(set(re.findall(r'["`](eha_[a-z_]+(?:\.[A-Za-z_][A-Za-z_0-9]*)+)["`]', README))
             - set(re.findall(r'["`](eha_[a-z_]+\.[EW]\d{3})["`]', README)))
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def importable(path: str) -> bool:
    try:
        importlib.import_module(path)
    except ImportError:
        try:
            import_string(path)
        except ImportError:
            return False
    return True


def test_the_readme_names_dotted_paths():
    assert len(DOTTED) > 40 and len(BLOCKS) > 15


@pytest.mark.parametrize("path", DOTTED)
def test_every_dotted_path_the_readme_names_imports(path):
    assert importable(path), f"README names {path}, which cannot be imported"


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_every_python_block_of_the_readme_parses(number):
    compile(textwrap.dedent(BLOCKS[number]), f"README block {number}", "exec")
