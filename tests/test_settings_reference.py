"""The settings reference (docs/settings.md) lists exactly the settings the apps read.

The settings the code reads are found in the apps' source: each ``conf.py`` property's
``getattr(settings, "NAME", default)``, any other ``getattr(settings, "NAME", ...)`` or
``settings.NAME``, and ``getattr(settings, name)`` over a literal tuple of names. A name
built at run time (social-auth's ``SOCIAL_AUTH_<BACKEND>_TITLE``) cannot be seen so; the
page lists those with their ``<BACKEND>`` placeholder, which this test leaves aside.

On the page, each ``## eha_*`` section holds the settings only that app reads; the
"Shared settings" and "Settings of Django and other libraries" tables name their
readers in a "read by" column. Django's own settings belong to the latter table.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict

import pytest
from django.conf import global_settings

from tests.harness.docs import DOCS, ROOT

APPS = ("eha_auth", "eha_tenancy", "eha_health", "eha_apptoken")
REFERENCE = DOCS / "settings.md"
NAME = re.compile(r"`([A-Z][A-Z0-9_]*)`")
SHARED, OTHERS = "Shared settings", "Settings of Django and other libraries"


def literal_names(node: ast.expr) -> list[str]:
    """Return the strings of a literal tuple, list or set of strings, else []."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and all(
            isinstance(item, ast.Constant) and isinstance(item.value, str) for item in node.elts):
        return [item.value for item in node.elts]
    return []


def loop_names(tree: ast.Module) -> dict[ast.AST, dict[str, list[str]]]:
    """Return, for each loop or comprehension over literal names, its variable's values."""
    scopes: dict[ast.AST, dict[str, list[str]]] = {}
    for node in ast.walk(tree):
        loops = ([node] if isinstance(node, ast.For)
                 else node.generators if isinstance(node, ast.ListComp | ast.SetComp
                                                    | ast.GeneratorExp | ast.DictComp)
                 else [])
        for loop in loops:
            if isinstance(loop.target, ast.Name) and literal_names(loop.iter):
                scopes.setdefault(node, {})[loop.target.id] = literal_names(loop.iter)
    return scopes


def is_settings(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "settings"


def names_read(tree: ast.Module) -> set[str]:
    """Return the names of the settings a module reads from ``django.conf.settings``."""
    found: set[str] = set()
    for scope, variables in [(tree, {}), *loop_names(tree).items()]:
        for node in ast.walk(scope):
            if isinstance(node, ast.Attribute) and is_settings(node.value) and node.attr.isupper():
                found.add(node.attr)
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2
                    and is_settings(node.args[0])):
                continue
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.add(name.value)
            elif isinstance(name, ast.Name):
                found.update(variables.get(name.id, []))
    return found


def code_readers() -> dict[str, set[str]]:
    """Return, for each setting the apps read, the apps that read it."""
    readers: dict[str, set[str]] = defaultdict(set)
    for app in APPS:
        for source in sorted((ROOT / "src" / app).rglob("*.py")):
            for name in names_read(ast.parse(source.read_text(encoding="utf-8"))):
                readers[name].add(app)
    return dict(readers)


def table_rows(section: str) -> list[list[str]]:
    """Return the cells of each row of the Markdown tables of a section, header included."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("|") and not re.fullmatch(r"\|[-| :]+\|", line.strip())]


def documented_readers() -> dict[str, tuple[str, set[str]]]:
    """Return, for each setting the page lists, its section and the apps said to read it."""
    documented: dict[str, tuple[str, set[str]]] = {}
    for section in re.split(r"^## ", REFERENCE.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title = section.split("\n", 1)[0].strip()
        read_by = None
        for cells in table_rows(section):
            if cells[0] == "setting":
                read_by = cells.index("read by") if "read by" in cells else None
                continue
            apps = (set(re.findall(r"eha_[a-z]+", cells[read_by])) if read_by is not None
                    else {title})
            for name in NAME.findall(cells[0]):
                assert name not in documented, f"{name} is listed twice in docs/settings.md"
                documented[name] = (title, apps)
    return documented


CODE = code_readers()
DOCUMENTED = documented_readers()


def test_the_code_and_the_page_have_settings():
    assert len(CODE) > 80 and len(DOCUMENTED) > 80
    assert {"MULTITENANCY", "HEALTH_CHECKS", "KEYCLOAK_SERVER_URL",
            "APPTOKEN_CACHE", "TENANCY_RLS"} <= CODE.keys()


def test_every_setting_the_apps_read_is_documented():
    missing = sorted(CODE.keys() - DOCUMENTED.keys())
    assert missing == [], f"add these settings to docs/settings.md: {missing}"


def test_every_documented_setting_is_read_by_an_app():
    unread = sorted(DOCUMENTED.keys() - CODE.keys())
    assert unread == [], f"docs/settings.md lists settings no app reads: {unread}"


@pytest.mark.parametrize("name", sorted(CODE.keys() & DOCUMENTED.keys()))
def test_each_setting_is_documented_with_the_apps_that_read_it(name):
    section, apps = DOCUMENTED[name]
    assert apps == CODE[name], f"{name} is read by {sorted(CODE[name])}, the page says {apps}"
    if hasattr(global_settings, name):
        assert section == OTHERS, f"{name} is Django's: list it under {OTHERS!r}"
    elif len(apps) > 1:
        assert section in (SHARED, OTHERS), f"{name} is read by several apps: {SHARED!r}"


def test_the_sections_are_the_apps_the_shared_and_the_others():
    sections = {section for section, _ in DOCUMENTED.values()}
    assert sections == {*APPS, SHARED, OTHERS}

