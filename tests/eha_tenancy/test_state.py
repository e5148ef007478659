"""realm_context() and unscoped(): ContextVar-based, restored on exit, per thread and task."""

from __future__ import annotations

import asyncio
import threading

import pytest

from eha_tenancy import InvalidRealm, get_active_realm, realm_context, unscoped
from eha_tenancy.state import is_unscoped, no_realm


def test_context_restores_the_previous_realm_even_on_exceptions():
    with realm_context("a"):
        with pytest.raises(ZeroDivisionError), realm_context("b"):
            assert get_active_realm() == "b"
            1 / 0
        assert get_active_realm() == "a"
        with unscoped():
            assert is_unscoped() and get_active_realm() is None
        with no_realm():
            assert get_active_realm() is None and not is_unscoped()
        assert get_active_realm() == "a"
    assert get_active_realm() is None


def test_decorator_form_for_functions_and_coroutines():
    @realm_context("a")
    def plain():
        return get_active_realm()

    @realm_context("b")
    async def coroutine():
        await asyncio.sleep(0)
        return get_active_realm()

    assert plain() == "a"
    assert asyncio.run(coroutine()) == "b"
    assert get_active_realm() is None


def test_one_context_object_may_be_entered_again():
    context = realm_context("a")
    with context:
        with context:
            assert get_active_realm() == "a"
        assert get_active_realm() == "a"
    assert get_active_realm() is None


def test_realms_do_not_cross_threads():
    seen = {}
    barrier = threading.Barrier(2)

    def worker(realm):
        with realm_context(realm):
            barrier.wait()
            seen[realm] = get_active_realm()

    threads = [threading.Thread(target=worker, args=(r,)) for r in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "a", "b": "b"}
    assert get_active_realm() is None


def test_realms_do_not_cross_asyncio_tasks():
    async def task(realm, event, other):
        async with realm_context(realm):
            event.set()
            await other.wait()
            return get_active_realm()

    async def main():
        first, second = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(task("a", first, second), task("b", second, first))

    assert asyncio.run(main()) == ["a", "b"]


@pytest.mark.parametrize("bad", ["", "a" * 64, "a/b", "..", "a..b", "x__y", "é", None, 3])
def test_realm_context_refuses_malformed_names(bad):
    with pytest.raises(InvalidRealm):
        realm_context(bad)


@pytest.mark.parametrize("good", ["a", "eha", "north-1", "org.example", "A_b", "a" * 63])
def test_valid_names(good):
    with realm_context(good):
        assert get_active_realm() == good
