"""What the documentation shows exists: README.md and every page under docs/.

Every dotted path the pages name imports, every Python block parses, every relative
link of the README points at a file, and the System checks page lists exactly the check
ids the apps define.

Settings blocks use ``...`` for "your other entries", which is valid Python (Ellipsis), so
each block is compiled as written; the REST_FRAMEWORK blocks and the Keycloak clients are
also loaded exactly as written elsewhere (tests/eha_auth/test_drf_settings.py,
tests/harness/keycloak.py), and the settings reference is checked against the code by
tests/test_settings_reference.py.
"""

from __future__ import annotations

import importlib
import re
import textwrap
from urllib.parse import unquote, urlsplit

import pytest
from django.utils.module_loading import import_string

from tests.harness.docs import DOCS, ROOT, documentation, python_blocks

PAGES = documentation()
# "eha_auth.gateway.backends.GatewayBackend" or `eha_tenancy.names`; not check ids (E001).
DOTTED = sorted({path for text in PAGES.values()
                 for path in re.findall(r'["`](eha_[a-z_]+(?:\.[A-Za-z_][A-Za-z_0-9]*)+)["`]',
                                        text)}
                - {check for text in PAGES.values()
                   for check in re.findall(r'["`](eha_[a-z_]+\.[EW]\d{3})["`]', text)})
BLOCKS = [(name, number, block) for name, text in PAGES.items()
          for number, block in enumerate(python_blocks(text))]
# [text](target): the README's relative links, to files of the repository.
LINK = re.compile(r"\]\(([^)\s]+)\)")
CHECK_ID = re.compile(r"eha_[a-z]+\.[EW]\d{3}")


def importable(path: str) -> bool:
    try:
        importlib.import_module(path)
    except ImportError:
        try:
            import_string(path)
        except ImportError:
            return False
    return True


def test_the_documentation_names_dotted_paths():
    assert "README.md" in PAGES and "docs/eha_auth/keycloak-setup.md" in PAGES
    assert len(DOTTED) > 40 and len(BLOCKS) > 15


@pytest.mark.parametrize("path", DOTTED)
def test_every_dotted_path_the_documentation_names_imports(path):
    assert importable(path), f"the documentation names {path}, which cannot be imported"


@pytest.mark.parametrize(("name", "number", "block"), BLOCKS,
                         ids=[f"{name}-{number}" for name, number, _ in BLOCKS])
def test_every_python_block_of_the_documentation_parses(name, number, block):
    compile(textwrap.dedent(block), f"{name} block {number}", "exec")


def readme_links() -> list[str]:
    """Return the relative link targets of README.md (no scheme, no bare #anchor)."""
    targets = LINK.findall(PAGES["README.md"])
    return [target for target in targets
            if not urlsplit(target).scheme and not target.startswith("#")]


def test_the_readme_links_to_the_pages():
    assert len(readme_links()) > 15


@pytest.mark.parametrize("target", readme_links())
def test_every_relative_link_of_the_readme_points_at_a_file(target):
    path = (ROOT / unquote(urlsplit(target).path)).resolve()
    assert path.is_file(), f"README.md links to {target}, which is no file"
    assert path.is_relative_to(ROOT)


def defined_check_ids() -> set[str]:
    """Return the check ids the apps' source holds as string literals ("eha_auth.E001")."""
    return {found for source in (ROOT / "src").rglob("*.py")
            for found in re.findall(r'"(eha_[a-z]+\.[EW]\d{3})"', source.read_text())}


def test_the_system_checks_page_lists_every_check_id_the_apps_define():
    listed = set(re.findall(r"^\| `(eha_[a-z]+\.[EW]\d{3})` \|",
                            (DOCS / "checks.md").read_text(), re.MULTILINE))
    defined = defined_check_ids()
    assert len(defined) > 40
    assert defined - listed == set(), "check ids missing from docs/checks.md"
    assert listed - defined == set(), "docs/checks.md lists check ids no app defines"


def test_each_check_id_is_listed_under_its_own_app():
    sections = re.split(r"^## ", (DOCS / "checks.md").read_text(), flags=re.MULTILINE)[1:]
    for section in sections:
        app = section.split("\n", 1)[0].strip()
        rows = re.findall(r"^\| `(eha_[a-z]+)\.[EW]\d{3}` \|", section, re.MULTILINE)
        assert set(rows) <= {app}, f"the {app} section of docs/checks.md lists {set(rows)}"


def test_the_keycloak_harness_builds_its_clients_from_the_setup_page():
    from tests.harness.keycloak import app_client, other_client, setup_clients

    clients = setup_clients()
    assert set(clients) == {"eha", "survey-web"}
    app = app_client("eha", "client-secret")
    assert app["secret"] == "client-secret"
    assert app["attributes"] == clients["eha"]["attributes"]
    gateway = other_client("eha-public", confidential=False, secret="", audience="eha")
    mapper, = gateway["protocolMappers"]
    assert mapper["protocolMapper"] == "oidc-audience-mapper"
    assert mapper["config"]["included.client.audience"] == "eha"
