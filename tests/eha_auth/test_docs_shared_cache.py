"""docs/production/shared-cache.md: its settings block loads, passes the system checks and
makes a working RedisCache."""

import re
from pathlib import Path

from django.core.cache.backends.redis import RedisCache
from django.core.checks import run_checks
from django.test.utils import override_settings

PAGE = Path(__file__).resolve().parents[2] / "docs" / "production" / "shared-cache.md"


def settings_block() -> dict:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.DOTALL)
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], str(PAGE), "exec"), namespace)  # the page's block, as written
    return {name: value for name, value in namespace.items() if name.isupper()}


def test_the_settings_block_passes_the_checks_and_reaches_redis(redis_server):
    shown = settings_block()
    cache_settings = {**shown["CACHES"]["default"], "LOCATION": redis_server.url}
    with override_settings(**{**shown, "CACHES": {"default": cache_settings}}):
        errors = [m.id for m in run_checks() if m.id.startswith("eha_auth")]
        assert errors == []
        from django.core.cache import caches

        cache = caches[shown["AUTH_CACHE_ALIAS"]]
        assert isinstance(cache, RedisCache)
        cache.set("docs-check", 1)
        assert cache.get_many(["docs-check"]) == {"docs-check": 1}


def test_a_memo_longer_than_the_bound_is_refused():
    with override_settings(AUTH_MEMO_SECONDS=2):
        assert "eha_auth.E010" in {m.id for m in run_checks()}
    with override_settings(AUTH_MEMO_SECONDS="one"):
        assert "eha_auth.E010" in {m.id for m in run_checks()}
    with override_settings(AUTH_MEMO_SECONDS=0.5):
        assert "eha_auth.E010" not in {m.id for m in run_checks()}
