"""System checks: what can be seen wrong from the settings alone."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from string import Formatter

from cryptography.fernet import Fernet
from django.core.checks import Error, Warning
from urllib3.util import parse_url

from .conf import app_settings, is_forbidden_header


def check_external_apps(app_configs=None, **kwargs) -> list:
    """Report malformed EXTERNAL_APPS entries: bad URLs, missing tokens."""
    apps = app_settings.EXTERNAL_APPS
    if not isinstance(apps, Mapping):
        return [Error("EXTERNAL_APPS must be a dict of app name -> settings.",
                      hint='For example {"app-1": {"url": "http://app-1", "token": "..."}}; '
                           "eha_apptoken.conf.external_apps_from_env builds it.",
                      id="eha_apptoken.E001")]
    errors = []
    keys = ("url", "token", "url_test", "token_test") if app_settings.USE_TEST_APPS else (
        "url", "token")
    for name, config in apps.items():
        if not isinstance(config, Mapping):
            errors.append(Error(f"EXTERNAL_APPS[{name!r}] must be a dict.",
                                id="eha_apptoken.E001"))
            continue
        for key in keys:
            if key.startswith("url"):
                errors += _url_errors(name, key, config.get(key))
            elif not isinstance(config.get(key), str) or not config[key].strip():
                errors.append(Error(
                    f"EXTERNAL_APPS[{name!r}] has no {key!r}.",
                    hint=f"Set the service token the app issued (env: {_env(name, key)}).",
                    id="eha_apptoken.E003"))
        errors += _timeout_errors(f"EXTERNAL_APPS[{name!r}]", config)
    return errors


def _env(name: str, key: str) -> str:
    return f"{name.strip().upper().replace('-', '_')}_{key.upper()}"


def _url_errors(name: str, key: str, url) -> list:
    where = f"EXTERNAL_APPS[{name!r}][{key!r}]"
    if not isinstance(url, str) or not url.strip():
        return [Error(f"{where} is missing.", hint=f"Set it (env: {_env(name, key)}).",
                      id="eha_apptoken.E002")]
    fields = {field for _, field, _, _ in _parse_format(url)}
    problem = None
    if fields - {None, "realm"}:
        problem = "only the {realm} placeholder is allowed"
    else:
        parsed = parse_url(url.replace("{realm}", "realm"))
        if parsed.scheme not in ("http", "https") or not parsed.host:
            problem = "it must be an absolute http(s) URL"
        elif parsed.query is not None or parsed.fragment is not None:
            problem = "it must not have a query or fragment"
        elif parsed.auth:
            problem = "credentials belong in the token, not in the URL"
    if problem:
        return [Error(f"{where} is malformed: {problem}.", hint="For example http://app-1:8000.",
                      id="eha_apptoken.E002")]
    return []


def _parse_format(url: str) -> list:
    try:
        return list(Formatter().parse(url))
    except ValueError:
        return [("", "?", "", None)]


def _timeout_errors(where: str, config: Mapping) -> list:
    errors = []
    for key in ("connect_timeout", "read_timeout"):
        if key in config and not _positive(config[key]):
            errors.append(Error(f"{where}[{key!r}] must be a positive number of seconds.",
                                id="eha_apptoken.E005"))
    return errors


def _positive(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and float(value) > 0


def check_settings(app_configs=None, **kwargs) -> list:
    """Report invalid keys, timeouts and header allow-lists."""
    errors = _key_errors()
    for name, value in (("APPTOKEN_CONNECT_TIMEOUT", app_settings.CONNECT_TIMEOUT),
                        ("APPTOKEN_READ_TIMEOUT", app_settings.READ_TIMEOUT)):
        if not _positive(value):
            errors.append(Error(f"{name} must be a positive number of seconds, not {value!r}.",
                                id="eha_apptoken.E005"))
    seconds = app_settings.VALIDATION_SECONDS
    if not isinstance(seconds, Real) or isinstance(seconds, bool) or seconds < 0:
        errors.append(Error("APPTOKEN_VALIDATION_SECONDS must be a number >= 0.",
                            id="eha_apptoken.E005"))
    for setting, names in (("APPTOKEN_REQUEST_HEADERS", app_settings.REQUEST_HEADERS),
                           ("APPTOKEN_RESPONSE_HEADERS", app_settings.RESPONSE_HEADERS)):
        forbidden = sorted(n for n in names if is_forbidden_header(n))
        if forbidden:
            errors.append(Warning(
                f"{setting} lists headers that are never forwarded: {', '.join(forbidden)}.",
                hint="Remove them; credentials, cookies and hop-by-hop headers never pass.",
                id="eha_apptoken.W001"))
    return errors


def _key_errors() -> list:
    keys = app_settings.ENCRYPTION_KEYS
    if keys is None:
        return []
    if isinstance(keys, str | bytes) or not keys:
        return [Error("APPTOKEN_ENCRYPTION_KEYS must be a non-empty list of Fernet keys.",
                      hint="Generate one with: python -c \"from cryptography.fernet import "
                           "Fernet; print(Fernet.generate_key().decode())\"",
                      id="eha_apptoken.E004")]
    errors = []
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(Error(
                f"APPTOKEN_ENCRYPTION_KEYS[{index}] is not a Fernet key "
                "(32 url-safe base64-encoded bytes).", id="eha_apptoken.E004"))
    return errors
