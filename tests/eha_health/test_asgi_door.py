"""eha_health.asgi: /health answered before Django's ASGI handler, on the event loop."""

from __future__ import annotations

import asyncio

import pytest
from django.core.asgi import get_asgi_application

from eha_health.asgi import answer_liveness
from tests.harness.asgi import asgi_request


def call(application, path: str, method: str = "GET", headers=(), root_path: str = ""):
    """Send one HTTP request to an ASGI application; return (status, headers, body)."""
    return asyncio.run(asgi_request(application, path, method=method, headers=headers,
                                    root_path=root_path, host="10.0.0.7"))


@pytest.fixture
def django_app(settings):
    return get_asgi_application()


def test_health_is_answered_without_django_or_a_thread(django_app, switches):
    status, headers, body = call(answer_liveness(django_app), "/health")
    assert (status, body) == (200, b"")
    assert headers[b"content-type"] == b"text/html; charset=utf-8"
    assert switches == []
    # Django's own handler, for comparison, switches threads for its signals and close().
    assert call(django_app, "/health")[0] == 200
    assert len(switches) >= 2


def test_head_and_prefixes_are_answered_as_the_middleware_does(django_app, settings,
                                                               switches):
    settings.HEALTH_URL_PREFIXES = ["/", "/kernel/"]
    door = answer_liveness(django_app)
    assert call(door, "/kernel/health", method="HEAD")[0] == 200
    assert call(door, "/health", root_path="/app")[0] == 200
    assert switches == []


@pytest.mark.parametrize("path,method,headers", [
    ("/health", "POST", ()),  # not a probe: Django answers (405)
    ("/health", "GET", [(b"authorization", b"Bearer x")]),  # credentials: the URLconf
    ("/health", "GET", [(b"cookie", b"a=1; sessionid=abc")]),
    ("/healthz", "GET", ()),
    ("/check-db", "GET", ()),  # probes with I/O stay Django's
])
def test_everything_else_goes_to_django(django_app, switches, path, method, headers):
    call(answer_liveness(django_app), path, method=method, headers=headers)
    assert switches, "the request did not reach Django's handler"


def test_other_scopes_pass_through():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(answer_liveness(inner)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]


def test_the_demo_answers_health_at_the_door(switches):
    from example.asgi import application

    status, _, _ = call(application, "/health")
    assert status == 200 and switches == []


def test_the_docs_wrapping_runs_as_written(switches):
    from tests.harness.docs import ROOT, python_blocks

    page = (ROOT / "docs/production/asgi.md").read_text()
    [block] = [b for b in python_blocks(page) if "answer_liveness" in b]
    namespace: dict = {}
    exec(block, namespace)
    assert call(namespace["application"], "/health")[0] == 200
    assert switches == []
    # The demo serves what the page shows.
    demo = (ROOT / "example/asgi.py").read_text()
    assert block.splitlines()[-1].replace("get_asgi_application()", "django_application") in demo
