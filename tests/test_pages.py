"""The pages' look: one base and one stylesheet per app, kept equal, and docs/pages.md's override.

The browser side (screenshots, axe-core) is tests/eha_auth/test_pages_browser.py.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from tests.harness.servers import ROOT

APPS = ["eha_auth", "eha_apptoken"]
SOURCE_CSS = ROOT / "src" / "eha_auth" / "static" / "eha_auth" / "eha.css"
DOCS = (ROOT / "docs" / "pages.md").read_text()


def templates(app: str) -> list:
    return sorted((ROOT / "src" / app / "templates" / app).rglob("*.html"))


@pytest.mark.parametrize("app", APPS[1:])
def test_each_app_ships_the_same_stylesheet(app):
    # eha_auth's copy is the source: a rule changed there must be copied here.
    assert (ROOT / "src" / app / "static" / app / "eha.css").read_text() == SOURCE_CSS.read_text()


@pytest.mark.parametrize("app", APPS)
def test_every_page_extends_its_own_apps_base(app):
    base = ROOT / "src" / app / "templates" / app / "base.html"
    assert f"{{% static '{app}/eha.css' %}}" in base.read_text()
    pages = [path for path in templates(app) if path != base]
    assert pages
    for path in pages:
        assert path.read_text().startswith(f'{{% extends "{app}/base.html" %}}'), path


@pytest.mark.parametrize("app", APPS)
def test_no_template_names_another_apps_template_or_static_file(app):
    others = [other for other in APPS if other != app]
    for path in templates(app):
        for other in others:
            assert f"{other}/" not in path.read_text(), (path, other)


def test_the_static_files_are_package_data():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]["*"]
    assert "static/**/*" in package_data


def test_the_documented_brand_override_loads(tmp_path):
    settings_block, = re.findall(r"```python\n(.*?)```", DOCS, re.S)
    override, = re.findall(r"```django\n(.*?)```", DOCS, re.S)
    namespace = {"BASE_DIR": tmp_path}
    exec(settings_block, namespace)
    for app in APPS:
        folder = tmp_path / "templates" / app
        folder.mkdir(parents=True)
        (folder / "base.html").write_text(override.replace("eha_auth/base.html",
                                                           f"{app}/base.html"))
    with override_settings(TEMPLATES=namespace["TEMPLATES"]):
        logout = render_to_string("eha_auth/logout.html")
        tokens = render_to_string("eha_apptoken/tokens.html", {"app_tokens": []})
    for page, app in ((logout, "eha_auth"), (tokens, "eha_apptoken")):
        assert '<img src="/static/acme/logo.svg" alt=""> Acme</a>' in page
        assert '<link rel="stylesheet" href="/static/acme/theme.css">' in page
        assert f'href="/static/{app}/eha.css"' in page   # the app's own look stays
        assert ">Account</a>" not in page
    assert "<h1>Sign out</h1>" in logout and "No external applications" in tokens
