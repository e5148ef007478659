"""eha_health.asgi's serving helpers, each against Django's own ASGI handler:

- ``reuse_threads``: a request's synchronous code runs on a lent, kept thread;
- ``get_asgi_application`` (``OneHopASGIHandler``): runs of MiddlewareMixin middleware
  run their hooks in one thread switch each way, with the order, short cuts and error
  answers of Django's own chain (compared hook by hook with Django's handlers).
"""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.test import Client
from django.urls import path
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from example import settings as demo_settings

from eha_health.asgi import (
    OneHopASGIHandler,
    answer_liveness,
    get_asgi_application,
    joined,
    one_hop,
    reuse_threads,
)
from tests.harness.asgi import asgi_request

HERE = __name__
# Django's own middleware of the demo's stack (startproject's seven).
DJANGO_STACK = [entry for entry in demo_settings.MIDDLEWARE if entry.startswith("django.")]
HEALTH = "eha_health.middleware.HealthCheckMiddleware"
REALM = "eha_tenancy.middleware.RealmMiddleware"


# What the views and middleware below saw, in order, and the threads each request's
# synchronous code ran on (by its X-Tag header).
seen: list[str] = []
threads_seen: list[threading.Thread] = []
threads_by_tag: dict[str, list[threading.Thread]] = {}


def ran(request) -> None:
    thread = threading.current_thread()
    threads_seen.append(thread)
    threads_by_tag.setdefault(request.headers.get("X-Tag", ""), []).append(thread)


def thread_view(request):
    ran(request)
    seen.append("view")
    return HttpResponse("ok")


def failing_view(request):
    ran(request)
    seen.append("view raises")
    raise ValueError("the view failed")


def template_view(request):
    seen.append("template view")
    return SimpleTemplateResponse("eha_auth/base.html", {})


class Gate:
    """A view that holds its thread until the test opens the gate."""

    opened = threading.Event()
    entered = threading.Event()
    inside = 0
    peak = 0
    lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        cls.opened, cls.entered = threading.Event(), threading.Event()
        cls.inside = cls.peak = 0

    @classmethod
    def view(cls, request):
        with cls.lock:
            cls.inside += 1
            cls.peak = max(cls.peak, cls.inside)
            if cls.inside == 2:
                cls.opened.set()  # two at once: the most reuse_threads(threads=2) allows
        cls.entered.set()
        cls.opened.wait(timeout=30)
        with cls.lock:
            cls.inside -= 1
        return HttpResponse("ok")


urlpatterns = [
    path("thread", thread_view),
    path("fail", failing_view),
    path("template", template_view),
    path("gate", Gate.view),
    path("form", thread_view),
    path("exempt", csrf_exempt(thread_view)),
]


class Recorder(MiddlewareMixin):
    """Records each hook it runs; ``answer`` and ``raise_in`` make it answer or fail."""

    name = "?"
    answer: set[str] = set()
    raise_in: set[str] = set()

    def _hook(self, request, hook: str) -> None:
        ran(request)
        seen.append(f"{self.name}.{hook}")
        if hook in self.raise_in:
            raise PermissionError(f"{self.name} refuses in {hook}")

    def process_request(self, request):
        self._hook(request, "request")
        return HttpResponse("answered", status=418) if "request" in self.answer else None

    def process_view(self, request, view, args, kwargs):
        self._hook(request, "view")
        return HttpResponse("from view", status=419) if "view" in self.answer else None

    def process_exception(self, request, exception):
        self._hook(request, "exception")
        return HttpResponse("handled", status=420) if "exception" in self.answer else None

    def process_template_response(self, request, response):
        self._hook(request, "template")
        return response

    def process_response(self, request, response):
        self._hook(request, "response")
        response[f"X-{self.name}"] = "1"
        return response


class First(Recorder):
    name = "first"


class Second(Recorder):
    name = "second"


class Third(Recorder):
    name = "third"


class OwnCall(MiddlewareMixin):
    """Not hooks-only: it defines its own __call__."""

    def __call__(self, request):
        return self.get_response(request)


RECORDERS = [f"{HERE}.First", f"{HERE}.Second", f"{HERE}.Third"]


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = HERE
    settings.ALLOWED_HOSTS = ["testserver"]
    seen.clear()
    threads_seen.clear()
    threads_by_tag.clear()
    Gate.reset()
    for recorder in (First, Second, Third):
        recorder.answer, recorder.raise_in = set(), set()
    yield settings
    Gate.opened.set()


def get(application, path: str, **options) -> tuple[int, dict[bytes, bytes], bytes]:
    return asyncio.run(asgi_request(application, path, **options))


def distinct(threads: list[threading.Thread]) -> int:
    return len({id(thread) for thread in threads})  # the list keeps each object alive


# reuse_threads


def test_requests_share_lent_threads_where_django_starts_one_each(urls):
    for _ in range(12):
        assert get(ASGIHandler(), "/thread")[0] == 200
    assert distinct(threads_seen) == 12  # Django's handler: a new thread per request
    threads_seen.clear()
    application = reuse_threads(ASGIHandler(), threads=4)
    for _ in range(12):
        assert get(application, "/thread")[0] == 200
    assert distinct(threads_seen) == 1  # one after another: the same warm thread


def test_one_request_keeps_one_thread_for_all_its_sync_code(urls):
    urls.MIDDLEWARE = RECORDERS
    application = reuse_threads(ASGIHandler(), threads=3)

    async def together():
        return await asyncio.gather(*(
            asgi_request(application, "/thread", headers=[(b"x-tag", str(tag).encode())])
            for tag in range(6)))

    assert [status for status, _, _ in asyncio.run(together())] == [200] * 6
    assert distinct(threads_seen) <= 3
    # Each request's hooks (three process_request, three process_response and the
    # process_view of each) and its view ran on one thread: Django's promise.
    assert sorted(threads_by_tag) == [str(tag) for tag in range(6)]
    for threads in threads_by_tag.values():
        assert len(threads) == 10 and distinct(threads) == 1


def test_no_more_than_threads_requests_run_sync_code_at_once(urls):
    application = reuse_threads(ASGIHandler(), threads=2)

    async def together():
        return await asyncio.gather(*(asgi_request(application, "/gate") for _ in range(8)))

    assert [status for status, _, _ in asyncio.run(together())] == [200] * 8
    assert Gate.peak == 2


def test_a_failing_view_gives_its_thread_back(urls):
    application = reuse_threads(ASGIHandler(), threads=1)
    assert get(application, "/fail")[0] == 500
    assert get(application, "/thread")[0] == 200
    assert distinct(threads_seen) == 1
    assert len(application.lender.idle) == 1


def test_a_client_gone_while_waiting_for_a_thread_takes_none_with_it(urls):
    application = reuse_threads(ASGIHandler(), threads=1)

    async def scenario():
        holder = asyncio.create_task(asgi_request(application, "/gate"))
        await asyncio.to_thread(Gate.entered.wait, 30)  # the only thread is lent
        waiter = asyncio.create_task(asgi_request(application, "/thread"))
        await asyncio.sleep(0)  # let it queue for the thread
        assert len(application.lender.waiting) == 1
        waiter.cancel()  # the client goes away while queued
        with pytest.raises(asyncio.CancelledError):
            await waiter
        Gate.opened.set()
        assert (await holder)[0] == 200
        return await asgi_request(application, "/thread")

    assert asyncio.run(scenario())[0] == 200
    assert application.lender.started == 1
    assert len(application.lender.idle) == 1


def test_other_scopes_pass_straight_through():
    seen_scopes = []

    async def inner(scope, receive, send):
        seen_scopes.append(scope["type"])

    application = reuse_threads(inner, threads=1)
    asyncio.run(application({"type": "lifespan"}, None, None))
    assert seen_scopes == ["lifespan"]
    assert application.lender.started == 0


def test_reuse_threads_says_which_asgiref_it_needs():
    # nox -s tests_floor runs this on asgiref 3.12, the other sessions on 3.13 or later.
    if "executor" in inspect.signature(ThreadSensitiveContext).parameters:
        assert get(reuse_threads(ASGIHandler(), threads=1), "/nowhere")[0] == 404
    else:
        with pytest.raises(ImproperlyConfigured, match=r"needs asgiref 3\.13 or later"):
            reuse_threads(ASGIHandler(), threads=1)


@pytest.mark.parametrize("threads", [0, -1])
def test_threads_must_be_at_least_one(threads):
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        reuse_threads(ASGIHandler(), threads=threads)


def test_the_default_is_concurrent_futures_own(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert reuse_threads(ASGIHandler()).lender.size == 6


# joined / one_hop / OneHopASGIHandler


def test_runs_of_hooks_only_middleware_are_joined_and_the_rest_kept():
    listed = [HEALTH, *DJANGO_STACK, REALM, f"{HERE}.OwnCall", f"{HERE}.First"]
    loaded = joined(listed)
    assert loaded[0] == HEALTH and loaded[2:] == [REALM, f"{HERE}.OwnCall", f"{HERE}.First"]
    group = loaded[1]
    assert group.startswith("eha_health.asgi.OneHop")
    assert import_string(group).members == tuple(DJANGO_STACK)
    assert joined(listed) == loaded  # the same run is the same class


def test_one_hop_names_what_it_cannot_join():
    with pytest.raises(ImproperlyConfigured, match=f"{HERE}.OwnCall is not a hooks-only"):
        one_hop(f"{HERE}.First", f"{HERE}.OwnCall")(lambda request: HttpResponse())
    with pytest.raises(ImproperlyConfigured, match="cannot import"):
        one_hop("no.such.Middleware")(lambda request: HttpResponse())
    with pytest.raises(ImproperlyConfigured, match="at least one"):
        one_hop()


def test_middleware_setting_is_left_as_written(urls):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK]
    get_asgi_application()
    assert [HEALTH, *DJANGO_STACK] == urls.MIDDLEWARE


CASES = {
    "plain": ("/thread", {}, {}),
    "answer in process_request": ("/thread", {"answer": {Second: {"request"}}}, {}),
    "raise in process_request": ("/thread", {"raise_in": {Second: {"request"}}}, {}),
    "raise in process_response": ("/thread", {"raise_in": {Second: {"response"}}}, {}),
    "answer in process_view": ("/thread", {"answer": {First: {"view"}}}, {}),
    "view raises, unhandled": ("/fail", {}, {}),
    "view raises, handled": ("/fail", {"answer": {Second: {"exception"}}}, {}),
    "template response": ("/template", {}, {}),
    "not found": ("/missing", {}, {}),
}


def wsgi_status(path: str) -> tuple[int, list[str]]:
    client = Client(raise_request_exception=False)
    response = client.get(path)
    return response.status_code, [name.lower() for name in response.headers
                                  if name.lower().startswith("x-")]


def asgi_status(handler, path: str) -> tuple[int, list[str]]:
    status, headers, _ = get(handler, path)
    return status, [name.decode().lower() for name in headers
                    if name.lower().startswith(b"x-")]


@pytest.mark.parametrize("case", list(CASES))
def test_hooks_run_as_djangos_handlers_run_them(urls, case):
    path, behaviour, _ = CASES[case]
    urls.MIDDLEWARE = RECORDERS
    for recorder, hooks in behaviour.get("answer", {}).items():
        recorder.answer = hooks
    for recorder, hooks in behaviour.get("raise_in", {}).items():
        recorder.raise_in = hooks
    answers = {}
    for name, run in [("wsgi", lambda: wsgi_status(path)),
                      ("asgi", lambda: asgi_status(ASGIHandler(), path)),
                      ("one hop", lambda: asgi_status(get_asgi_application(), path))]:
        seen.clear()
        status, headers = run()
        answers[name] = (status, sorted(headers), list(seen))
    assert answers["one hop"] == answers["asgi"] == answers["wsgi"], answers


def test_django_stack_answers_as_django_does(urls, db):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK]
    requests = [("/thread", "GET", ()), ("/missing", "GET", ()),
                ("/form", "POST", ()),  # no CSRF token: CsrfViewMiddleware refuses
                ("/exempt", "POST", ()),  # unless the view is exempt
                ("/thread", "GET", ((b"host", b"evil.example"),)),  # DisallowedHost: 400
                ("/template", "GET", ())]
    for path_, method, extra in requests:
        answers = []
        for handler in (ASGIHandler(), get_asgi_application()):
            status, headers, _ = get(handler, path_, method=method, headers=extra)
            answers.append((status, sorted(name for name in headers if name != b"date")))
        assert answers[0] == answers[1], (path_, method, answers)


def test_django_stack_costs_two_switches_plus_its_view_hooks(urls, switches, db):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK, REALM]
    assert get(ASGIHandler(), "/thread")[0] == 200
    djangos = list(switches)
    switches.clear()
    assert get(get_asgi_application(), "/thread")[0] == 200
    middleware = [name for name in switches if "OneHop" in name or "view_hooks" in name]
    assert middleware == ["one_hop.<locals>.OneHopMiddleware.enter",
                          "one_hop.<locals>.OneHopMiddleware.view_hooks",  # CSRF process_view
                          "one_hop.<locals>.OneHopMiddleware.leave"]
    assert len(djangos) - len(switches) == 13 - 3  # 13 hook switches become 3


def test_liveness_threads_and_one_hop_compose_as_the_docs_show(urls, switches):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK]
    application = answer_liveness(reuse_threads(get_asgi_application()))
    assert get(application, "/health")[0] == 200
    assert switches == []
    assert get(application, "/thread")[0] == 200
    assert "one_hop.<locals>.OneHopMiddleware.enter" in switches
    assert isinstance(get_asgi_application(), OneHopASGIHandler)


def test_csrf_costs_no_switch_for_an_exempt_view_as_every_drf_view_is(urls, switches, db):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK]
    assert get(get_asgi_application(), "/exempt", method="POST")[0] == 200
    assert [name for name in switches if "OneHop" in name] == [
        "one_hop.<locals>.OneHopMiddleware.enter", "one_hop.<locals>.OneHopMiddleware.leave"]
    switches.clear()
    assert get(get_asgi_application(), "/form", method="POST")[0] == 403
    assert "one_hop.<locals>.OneHopMiddleware.view_hooks" in switches


def test_a_request_thread_runs_its_calls_in_order_on_one_thread():
    from eha_health.asgi import RequestThread

    worker = RequestThread()
    order: list[int] = []
    threads: list[threading.Thread] = []

    def call(number):
        order.append(number)
        threads.append(threading.current_thread())
        return number * 2

    futures = [worker.submit(call, number) for number in range(20)]
    assert [future.result(timeout=30) for future in futures] == [n * 2 for n in range(20)]
    assert order == list(range(20)) and distinct(threads) == 1
    assert threads[0] is not threading.current_thread()
    failing = worker.submit(int, "not a number")
    with pytest.raises(ValueError):
        failing.result(timeout=30)
    worker.shutdown()
    assert not threads[0].is_alive()
