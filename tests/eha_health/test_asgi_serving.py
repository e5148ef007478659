"""eha_health.asgi's serving helpers, each against Django's own ASGI handler:

- ``reuse_threads``: a request's synchronous code runs on a lent, kept thread;
- ``get_asgi_application`` (``OneSwitchASGIHandler``): a request to a sync view is
  served in one thread switch, with the hooks, order, short cuts, error answers,
  headers and bodies of Django's own handlers (compared with both); a request to a
  coroutine view takes Django's own path.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.template.response import SimpleTemplateResponse
from django.test import Client
from django.urls import URLResolver, path, reverse
from django.utils.deprecation import MiddlewareMixin
from django.views.decorators.csrf import csrf_exempt
from example import settings as demo_settings

from eha_health.asgi import (
    OneSwitchASGIHandler,
    answer_liveness,
    get_asgi_application,
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


async def async_view(request):
    ran(request)
    seen.append("async view")
    return HttpResponse("async")


def cookies_view(request):
    response = HttpResponse("cookies")
    response.set_cookie("plain", "1")
    response.set_cookie("guarded", "2", httponly=True, samesite="Lax", max_age=60)
    return response


@csrf_exempt
def echo_view(request):
    return HttpResponse(request.body[::-1], content_type="application/octet-stream")


def stream_view(request):
    return StreamingHttpResponse(iter([b"one", b" two"]))


def file_view(request):
    return FileResponse(io.BytesIO(b"a file"), filename="a.txt")


def prefix_view(request):
    return HttpResponse(f"{request.path} {reverse('thread')}")


urlpatterns = [
    path("thread", thread_view, name="thread"),
    path("async", async_view),
    path("cookies", cookies_view),
    path("echo", echo_view),
    path("stream", stream_view),
    path("file", file_view),
    path("prefix", prefix_view),
    path("fail", failing_view),
    path("template", template_view),
    path("gate", Gate.view),
    path("form", thread_view),
    path("exempt", csrf_exempt(thread_view)),
]


class SyncOnlyURLs:
    """A URLconf with no coroutine view."""

    urlpatterns = [path("thread", thread_view)]


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


@pytest.mark.parametrize("handler", [ASGIHandler, get_asgi_application],
                         ids=["django", "one switch"])
def test_one_request_keeps_one_thread_for_all_its_sync_code(urls, handler):
    urls.MIDDLEWARE = RECORDERS
    application = reuse_threads(handler(), threads=3)

    async def together():
        return await asyncio.gather(*(
            asgi_request(application, "/thread", headers=[(b"x-tag", str(tag).encode())])
            for tag in range(6)))

    assert [status for status, _, _ in asyncio.run(together())] == [200] * 6
    assert distinct(threads_seen) <= 3
    # Each request's hooks (three process_request, three process_response and the
    # process_view of each) and its view ran on one thread, not the event loop's:
    # Django's promise, kept by both handlers.
    assert sorted(threads_by_tag) == [str(tag) for tag in range(6)]
    for threads in threads_by_tag.values():
        assert len(threads) == 10 and distinct(threads) == 1
        assert threads[0] is not threading.main_thread()


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


# get_asgi_application / OneSwitchASGIHandler


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
    "coroutine view": ("/async", {}, {}),
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
                      ("one switch", lambda: asgi_status(get_asgi_application(), path))]:
        seen.clear()
        status, headers = run()
        answers[name] = (status, sorted(headers), list(seen))
    assert answers["one switch"] == answers["asgi"] == answers["wsgi"], answers


# Django warns that it serves a stream of a synchronous iterator under ASGI, under both
# handlers alike.
SYNC_STREAM = "ignore:StreamingHttpResponse must consume synchronous iterators"


@pytest.mark.filterwarnings(SYNC_STREAM)
def test_django_stack_answers_as_django_does(urls, db):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK]
    requests = [("/thread", "GET", (), b""), ("/missing", "GET", (), b""),
                ("/form", "POST", (), b""),  # no CSRF token: CsrfViewMiddleware refuses
                ("/exempt", "POST", (), b""),  # unless the view is exempt
                ("/thread", "GET", ((b"host", b"evil.example"),), b""),  # DisallowedHost: 400
                ("/template", "GET", (), b""),
                ("/cookies", "GET", (), b""),
                ("/echo", "POST", ((b"content-type", b"text/plain"),), b"x" * 70_000),
                ("/stream", "GET", (), b""),
                ("/file", "GET", (), b""),
                ("/async", "GET", (), b"")]
    for path_, method, extra, body in requests:
        answers = []
        for handler in (ASGIHandler(), get_asgi_application()):
            status, headers, content = get(handler, path_, method=method, headers=extra,
                                           body=body)
            answers.append((status, sorted(item for item in headers.items()
                                           if item[0] not in (b"date", b"set-cookie")),
                            content))
        assert answers[0] == answers[1], (path_, method, answers)


def test_cookies_are_sent_as_django_sends_them(urls):
    answers = [sent_cookies(handler) for handler in (ASGIHandler(), get_asgi_application())]
    assert answers[0] == answers[1]
    assert len(answers[0]) == 2 and b"HttpOnly" in b"".join(answers[0])


def sent_cookies(handler) -> list[bytes]:
    messages: list[dict] = []
    incoming = [{"type": "http.request", "body": b""}]

    async def receive():
        if incoming:
            return incoming.pop()
        await asyncio.Event().wait()  # connected until the answer is sent

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": "/cookies", "root_path": "",
             "query_string": b"", "headers": [(b"host", b"testserver")]}
    asyncio.run(handler(scope, receive, send))
    return sorted(value for name, value in messages[0]["headers"]
                  if name.lower() == b"set-cookie")


def test_a_sync_view_is_served_in_one_switch(urls, switches, db):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK, REALM]
    assert get(ASGIHandler(), "/template")[0] == 200
    djangos = list(switches)
    switches.clear()
    handler = get_asgi_application()
    assert get(handler, "/template")[0] == 200
    # Django's own: its signals, each MiddlewareMixin middleware's hooks (seven of them),
    # the view, the rendering and close(), each in a switch of its own.
    assert len(djangos) >= 16, djangos
    assert switches.funcs == [handler.serve]
    assert "template view" in seen  # the view ran, in that switch


def test_a_coroutine_view_takes_djangos_path_on_the_event_loop(urls, switches):
    urls.MIDDLEWARE = [HEALTH, REALM]
    handler = get_asgi_application()
    assert get(handler, "/async") == (200, {b"Content-Type": b"text/html; charset=utf-8"},
                                      b"async")
    assert threads_seen == [threading.main_thread()]  # the view ran on the event loop
    assert handler.serve not in switches.funcs
    switches.clear()
    assert get(handler, "/thread")[0] == 200  # a sync view of the same URLconf
    assert switches.funcs == [handler.serve]


def test_a_urlconf_without_coroutine_views_is_not_resolved_first(urls, settings, monkeypatch):
    resolved: list[str] = []
    original = URLResolver.resolve

    def counted(self, path):  # the URLconfs here include none: one call per resolution
        resolved.append(path)
        return original(self, path)

    monkeypatch.setattr(URLResolver, "resolve", counted)
    assert get(get_asgi_application(), "/thread")[0] == 200
    assert resolved == ["/thread", "/thread"]  # to choose the path, then the chain's own
    resolved.clear()
    settings.ROOT_URLCONF = SyncOnlyURLs
    assert get(get_asgi_application(), "/thread")[0] == 200
    assert resolved == ["/thread"]  # the chain's own only


def test_a_broken_urlconf_fails_as_it_fails_under_djangos_handler(urls):
    urls.ROOT_URLCONF = "tests.eha_health.no_such_urlconf"
    for handler in (ASGIHandler(), get_asgi_application()):
        # Raised to the server (which answers 500), from the chain in both.
        with pytest.raises(ModuleNotFoundError, match="no_such_urlconf"):
            get(handler, "/thread")


def test_the_script_prefix_is_the_root_path(urls):
    answers = [get(handler, "/prefix", root_path="/sub")[2]
               for handler in (ASGIHandler(), get_asgi_application())]
    assert answers == [b"/sub/prefix /sub/thread"] * 2


@pytest.mark.filterwarnings(SYNC_STREAM)
def test_a_response_is_closed_once_with_one_request_finished(urls, switches):
    finished: list[object] = []

    def receiver(sender, **kwargs):
        finished.append(sender)

    request_finished.connect(receiver)
    try:
        handler = get_asgi_application()
        assert get(handler, "/thread")[0] == 200
        assert finished == [OneSwitchASGIHandler]
        finished.clear()
        assert get(handler, "/stream")[2] == b"one two"  # a stream: closed once sent
        assert finished == [OneSwitchASGIHandler]
    finally:
        request_finished.disconnect(receiver)


def test_liveness_threads_and_one_switch_compose_as_the_docs_show(urls, switches):
    urls.MIDDLEWARE = [HEALTH, *DJANGO_STACK]
    application = answer_liveness(reuse_threads(get_asgi_application()))
    assert get(application, "/health")[0] == 200
    assert switches == []
    assert get(application, "/thread")[0] == 200
    assert switches == ["OneSwitchASGIHandler.serve"]


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
